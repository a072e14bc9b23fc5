using System.Text.Json;
using MiniCrm.Api.Application.Team;
using MiniCrm.Api.Http;
using MiniCrm.Core.Journeys;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Journeys;

/// <summary>
/// Journeys: created (once per Idempotency-Key), listed with their counts, read with their steps and versions, changed
/// (a new version: customers inside finish the one they entered), checked against the last 30 days (dry run), and
/// activated, paused, resumed and stopped (guarded status changes, <see cref="JourneyTransitions"/>). The endpoints and the
/// pages share it; the Workers' JourneyRunner moves customers through them.
/// </summary>
public sealed class JourneyService(CrmDbContext db, IdempotencyKeys keys, Access access, TimeProvider clock)
{
    public const string CreateOperation = "POST /api/journeys";

    public Task<Result<JourneyDetail>> CreateAsync(JourneyRequest request, IdempotentRequest? once, CancellationToken ct) =>
        access.RunAsync(Operations.CreateJourney, null, () => keys.OnceAsync(once, () => CreateOnceAsync(request, once, ct), ct), ct,
            recordOf: j => j.Journey.Id, detailOf: j => $"{j.Journey.Name}: {j.Journey.Trigger}");

    private async Task<Result<JourneyDetail>> CreateOnceAsync(JourneyRequest request, IdempotentRequest? once, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var name = TextField.Read(request.Name, "name", errors, required: true, 200);
        var (definition, plan) = await ReadDefinitionAsync(request.Definition, errors, ct);
        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        var id = Guid.CreateVersion7(clock.GetUtcNow());
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await ExecuteAsync(
                """
                INSERT INTO journeys (id, name, status, version, trigger_kind, created_by) VALUES (@id, @name, 'DRAFT', 1, @trigger, @user);
                INSERT INTO journey_versions (journey_id, version, definition, created_by) VALUES (@id, 1, @definition::jsonb, @user);
                """, ct, Id(id), Text("name", name!), Text("trigger", plan!.Trigger.KindText), Text("user", access.Caller.Id),
                Text("definition", JourneyPlan.ToJson(definition!)));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(ct);
            return NameTaken;
        }

        var detail = (await ReadAsync(id, ct))!;
        if (once is not null)
        {
            await keys.CompleteAsync(db, once, StatusCodes.Status201Created, detail, ct);
        }

        await transaction.CommitAsync(ct);
        return detail;
    }

    /// <summary>
    /// Renames a journey or saves a new version of it ({name?, definition?}). A new version of a live journey is what
    /// customers entering from now get; those inside finish the version they entered.
    /// </summary>
    public Task<Result<JourneyDetail>> UpdateAsync(Guid id, JourneyRequest request, CancellationToken ct) =>
        access.RunAsync(Operations.EditJourney, id, () => UpdateNowAsync(id, request, ct), ct,
            detailOf: j => request.Definition is null ? $"renamed {j.Journey.Name}" : $"version {j.Journey.Version}: {j.Journey.Trigger}");

    private async Task<Result<JourneyDetail>> UpdateNowAsync(Guid id, JourneyRequest request, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var name = request.Name is null ? null : TextField.Read(request.Name, "name", errors, required: true, 200);
        var (definition, plan) = request.Definition is null ? (null, null) : await ReadDefinitionAsync(request.Definition, errors, ct);
        if (name is null && request.Definition is null && errors.Count == 0)
        {
            errors.Add(new FieldError("body", "Send a new name, a new definition, or both."));
        }

        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await LockAsync(id, ct) is not { } status)
        {
            return NoSuchJourney;
        }

        if (!status.Allows(JourneyAction.Edit))
        {
            return CrmProblem.Conflict("The journey is stopped", "A stopped journey cannot change; create a new one from it.");
        }

        try
        {
            if (name is not null)
            {
                await ExecuteAsync("UPDATE journeys SET name = @name, updated_at = now() WHERE id = @id", ct, Id(id), Text("name", name));
            }

            if (definition is not null)
            {
                // The new version is live at once for a live journey; a draft's latest version is the one activation makes live.
                await ExecuteAsync(
                    """
                    WITH next AS (UPDATE journeys SET version = version + 1, updated_at = now(), trigger_kind = @trigger,
                                      live_version = CASE WHEN status IN ('ACTIVE', 'PAUSED') THEN version + 1 END
                                  WHERE id = @id RETURNING version)
                    INSERT INTO journey_versions (journey_id, version, definition, created_by) SELECT @id, version, @definition::jsonb, @user FROM next
                    """, ct, Id(id), Text("trigger", plan!.Trigger.KindText), Text("user", access.Caller.Id), Text("definition", JourneyPlan.ToJson(definition)));
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(ct);
            return NameTaken;
        }

        await transaction.CommitAsync(ct);
        return (await ReadAsync(id, ct))!;
    }

    public Task<Result<JourneyDetail>> ActivateAsync(Guid id, CancellationToken ct) =>
        access.RunAsync(Operations.ActivateJourney, id, () => ChangeAsync(id, JourneyAction.Activate,
            "live_version = version, activated_at = now()", "", ct), ct);

    /// <summary>Holds every customer where they are (and the journey's messages not yet with the vendor) until resumed.</summary>
    public Task<Result<JourneyDetail>> PauseAsync(Guid id, CancellationToken ct) =>
        access.RunAsync(Operations.PauseJourney, id, () => ChangeAsync(id, JourneyAction.Pause, "",
            "UPDATE campaigns SET status = 'PAUSED' WHERE journey_id = @id AND status = 'RUNNING';", ct), ct);

    /// <summary>Every customer goes on from where they were; a wait that ended meanwhile ends now.</summary>
    public Task<Result<JourneyDetail>> ResumeAsync(Guid id, CancellationToken ct) =>
        access.RunAsync(Operations.ResumeJourney, id, () => ChangeAsync(id, JourneyAction.Resume, "",
            "UPDATE campaigns SET status = 'RUNNING' WHERE journey_id = @id AND status = 'PAUSED';", ct), ct);

    /// <summary>Ends every enrolment (STOPPED), cancels the messages not yet with the vendor, and stops new entries, for good.</summary>
    public Task<Result<JourneyDetail>> StopAsync(Guid id, CancellationToken ct) =>
        access.RunAsync(Operations.StopJourney, id, () => ChangeAsync(id, JourneyAction.Stop, "stopped_at = now()",
            """
            UPDATE journey_enrolments SET exited_at = now(), exit_reason = 'STOPPED', step = NULL, due_at = NULL WHERE journey_id = @id AND exited_at IS NULL;
            DELETE FROM journey_timers WHERE journey_id = @id;
            UPDATE campaigns SET status = 'CANCELLED', completed_at = clock_timestamp(), dispatched_at = coalesce(dispatched_at, clock_timestamp())
            WHERE journey_id = @id AND status IN ('RUNNING', 'PAUSED');
            """, ct), ct);

    private async Task<Result<JourneyDetail>> ChangeAsync(Guid id, JourneyAction action, string set, string alsoSql, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await LockAsync(id, ct) is not { } status)
        {
            return NoSuchJourney;
        }

        if (!status.Allows(action))
        {
            var allowed = string.Join(" or ", JourneyTransitions.From(action).Select(s => s.Stored()));
            return CrmProblem.Conflict($"The journey is {status.Stored()}",
                $"Only a journey that is {allowed} can be {Past(action)}; this one is {status.Stored()}.");
        }

        var to = JourneyTransitions.To(action).Stored();
        await ExecuteAsync($"UPDATE journeys SET status = '{to}', updated_at = now(){(set.Length > 0 ? ", " + set : "")} WHERE id = @id; {alsoSql}", ct, Id(id));
        await transaction.CommitAsync(ct);
        return (await ReadAsync(id, ct))!;
    }

    /// <summary>
    /// Deletes a journey that never ran (a DRAFT that was never activated: nobody entered it, it sent nothing). One that ran
    /// is kept with its history and results; stop it instead.
    /// </summary>
    public Task<Result<Done>> DeleteAsync(Guid id, CancellationToken ct) =>
        access.RunAsync(Operations.DeleteJourney, id, () => DeleteNowAsync(id, ct), ct);

    private async Task<Result<Done>> DeleteNowAsync(Guid id, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await LockAsync(id, ct) is not { } status)
        {
            return NoSuchJourney;
        }

        if (status != JourneyStatus.Draft)
        {
            return CrmProblem.Conflict($"The journey is {status.Stored()}",
                "Only a draft can be deleted; a journey that ran keeps its history and results. Stop it instead.");
        }

        await ExecuteAsync("DELETE FROM journey_versions WHERE journey_id = @id; DELETE FROM journeys WHERE id = @id;", ct, Id(id));
        await transaction.CommitAsync(ct);
        return new Done();
    }

    /// <summary>Locks journey <paramref name="id"/> for the open transaction; its status, or null when no journey has the id.</summary>
    private async Task<JourneyStatus?> LockAsync(Guid id, CancellationToken ct) =>
        (await db.ListAsync("SELECT status FROM journeys WHERE id = @id FOR UPDATE", [Id(id)], r => (JourneyStatus?)JourneyTransitions.Parse(r.GetString(0)), ct))
        .SingleOrDefault();

    private static readonly CrmProblem NoSuchJourney = CrmProblem.NotFound("No journey has this id.");
    private static readonly CrmProblem NoSuchVersion = CrmProblem.NotFound("No journey has this id and version.");

    private static string Past(JourneyAction action) => action switch
    {
        JourneyAction.Activate => "activated",
        JourneyAction.Pause => "paused",
        JourneyAction.Resume => "resumed",
        JourneyAction.Stop => "stopped",
        _ => "changed",
    };

    /// <summary>
    /// The names of the other live journeys (active or paused) that start on <paramref name="trigger"/>, the five activated last: a
    /// customer may enter each of them, so activating one more is worth a word.
    /// </summary>
    public async Task<Result<IReadOnlyList<string>>> LiveOnSameStartAsync(Guid id, string trigger, CancellationToken ct) =>
        await db.ListAsync("SELECT name FROM journeys WHERE id <> @id AND status IN ('ACTIVE', 'PAUSED') AND trigger_kind = @trigger ORDER BY activated_at DESC LIMIT 5",
            [Id(id), Text("trigger", trigger)], r => r.GetString(0), ct);

    /// <summary>Journeys newest first, with their counts.</summary>
    public async Task<Result<IReadOnlyList<JourneyView>>> ListAsync(string? search, CancellationToken ct)
    {
        var conditions = new List<string>();
        var parameters = new List<NpgsqlParameter>();
        if (TextSearch.Add(search, ["j.name"], conditions, parameters) is { } problem)
        {
            return CrmProblem.Invalid(problem);
        }

        var where = conditions.Count > 0 ? "WHERE " + string.Join(" AND ", conditions) : "";
        return await db.ListAsync($"{ViewSql} {where} ORDER BY j.created_at DESC LIMIT 200", parameters, ReadView, ct);
    }

    /// <summary>The journey; its definition and steps as of <paramref name="version"/> when given (an earlier version, read only), else the latest.</summary>
    public async Task<Result<JourneyDetail>> GetAsync(Guid id, CancellationToken ct, int? version = null) =>
        await ReadAsync(id, ct, version) is { } detail ? detail : version is null ? NoSuchJourney : NoSuchVersion;

    /// <summary>
    /// How many customers would have entered in the last 30 days, had the journey been live (each customer once).
    /// Customers created, orders placed (by their order date) and quiet spells that ended in the window are counted
    /// exactly; an audience's entries are estimated (its members now whose data changed in the window).
    /// </summary>
    public async Task<Result<JourneyDryRun>> DryRunAsync(JourneyDefinition? definition, CancellationToken ct)
    {
        if (access.Refuse(Operations.DryRunJourney) is { } refused)
        {
            return refused;
        }

        var errors = new List<FieldError>();
        var (_, plan) = await ReadDefinitionAsync(definition, errors, ct);
        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        var trigger = plan!.Trigger;
        var now = clock.GetUtcNow();
        var parameters = new List<NpgsqlParameter> { new("from", NpgsqlDbType.TimestampTz) { Value = now.AddDays(-30).UtcDateTime } };
        string sql, explanation;
        switch (trigger.Kind)
        {
            case JourneyTriggerKind.CustomerCreated:
                sql = "SELECT count(*) FROM customers WHERE created_at >= @from";
                explanation = "customers created in the last 30 days";
                break;
            case JourneyTriggerKind.OrderPlaced:
                sql = """
                    SELECT count(DISTINCT o.customer_id) FROM orders o
                    WHERE o.order_date >= @from AND (@status::text IS NULL OR o.status = @status) AND (@min::numeric IS NULL OR o.amount >= @min)
                      AND (NOT @first OR NOT EXISTS (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id AND (p.order_date, p.id) < (o.order_date, o.id)))
                    """;
                parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = (object?)trigger.Status ?? DBNull.Value });
                parameters.Add(new NpgsqlParameter("min", NpgsqlDbType.Numeric) { Value = (object?)trigger.MinAmount ?? DBNull.Value });
                parameters.Add(new NpgsqlParameter<bool>("first", trigger.FirstOrder));
                explanation = "customers who placed " + (trigger.FirstOrder ? "their first order" : "an order") +
                              (trigger.MinAmount is { } min ? $" of at least {min:N2}" : "") + (trigger.Status is { } s ? $" now {s}" : "") + " in the last 30 days (by order date)";
                break;
            case JourneyTriggerKind.Inactive:
                sql = "SELECT count(*) FROM customers WHERE last_order_date + make_interval(days => @days) BETWEEN @from AND now()";
                parameters.Add(new NpgsqlParameter<int>("days", trigger.Days!.Value));
                explanation = $"customers whose {trigger.Days} quiet days since their last completed order ended in the last 30 days";
                break;
            default:
                var segment = SegmentSql.Compile(trigger.Audience!, now);
                parameters.AddRange(segment.CloneParameters());
                if (trigger.Kind == JourneyTriggerKind.AudienceNow)
                {
                    sql = $"SELECT count(*) FROM customers c WHERE {segment.Condition}";
                    explanation = "customers in the audience now: they all enter when the journey is activated";
                }
                else
                {
                    sql = $"""
                        SELECT count(*) FROM customers c WHERE ({segment.Condition})
                          AND (c.created_at >= @from OR EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.order_date >= @from))
                        """;
                    explanation = "customers in the audience now who were created or ordered in the last 30 days (an estimate: who entered the audience is not kept)";
                }

                break;
        }

        var count = (await db.ListAsync(sql, parameters, r => r.GetInt64(0), ct))[0];
        return new JourneyDryRun(count, $"{count:N0} would have entered: {explanation}.");
    }

    private async Task<JourneyDetail?> ReadAsync(Guid id, CancellationToken ct, int? version = null)
    {
        var views = await db.ListAsync($"{ViewSql} WHERE j.id = @id", [Id(id)], ReadView, ct);
        if (views.Count == 0)
        {
            return null;
        }

        var journey = views[0];
        var versions = await db.ListAsync(
            "SELECT v.version, coalesce(u.email, u.name, v.created_by), v.created_at, v.definition::text FROM journey_versions v LEFT JOIN users u ON u.id = v.created_by WHERE v.journey_id = @id ORDER BY v.version DESC",
            [Id(id)], r => (View: new JourneyVersionView(r.GetInt32(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetInt32(0) == journey.LiveVersion), Json: r.GetString(3)), ct);
        var shown = version is null ? versions[0] : versions.FirstOrDefault(v => v.View.Version == version);
        if (shown.Json is null)
        {
            return null;
        }

        var definition = JourneyPlan.FromJson(shown.Json)!;
        var plan = JourneyPlan.Parse(definition, []);

        var inStep = (await db.ListAsync(
                "SELECT step, count(*) FROM journey_enrolments WHERE journey_id = @id AND exited_at IS NULL AND version = @version AND step IS NOT NULL GROUP BY step",
                [Id(id), new NpgsqlParameter<int>("version", shown.View.Version)], r => (r.GetString(0), r.GetInt64(1)), ct))
            .ToDictionary(x => x.Item1, x => x.Item2);
        var older = (await db.ListAsync("SELECT count(*) FROM journey_enrolments WHERE journey_id = @id AND exited_at IS NULL AND version <> @version",
            [Id(id), new NpgsqlParameter<int>("version", journey.Version)], r => r.GetInt64(0), ct))[0];
        // Per send step: its messages SENT, and the orders they led to (the campaigns' attribution), so the paths of a split compare.
        var sent = (await db.ListAsync(
                """
                SELECT c.journey_step, sum(c.sent_count)::bigint, coalesce(sum(x.conversions), 0)::bigint, coalesce(sum(x.revenue), 0)
                FROM campaigns c
                LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE NOT cv.held) AS conversions, sum(cv.revenue) FILTER (WHERE NOT cv.held) AS revenue
                                   FROM campaign_conversions cv WHERE cv.campaign_id = c.id) x ON true
                WHERE c.journey_id = @id AND c.journey_version = @version GROUP BY c.journey_step
                """,
                [Id(id), new NpgsqlParameter<int>("version", shown.View.Version)], r => (r.GetString(0), new StepOutcome(r.GetInt64(1), r.GetInt64(2), r.GetDecimal(3))), ct))
            .ToDictionary(x => x.Item1, x => x.Item2);
        var steps = plan is null ? [] : StepViews(plan, inStep, sent);

        var history = await db.ListAsync(
            "SELECT at, coalesce(user_email, user_id), action, detail FROM audit_events WHERE record_type = 'journey' AND record_id = @record ORDER BY id DESC LIMIT 50",
            [Text("record", id.ToString())], r => new JourneyHistoryEntry(r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), Words(r.GetString(2)), r.IsDBNull(3) ? null : r.GetString(3)), ct);
        return new JourneyDetail(journey, definition, steps, older, [.. versions.Select(v => v.View)], history, shown.View.Version);
    }

    private static string Words(string action) => Operations.ByAction.TryGetValue(action, out var operation) ? operation.Doing : action;

    /// <summary>The steps depth first, as the builder draws them, each with its path and depth.</summary>
    private static List<JourneyStepView> StepViews(JourneyPlan plan, Dictionary<string, long> inStep, Dictionary<string, StepOutcome> sent) =>
        [.. plan.Steps.OrderBy(s => s.Id, StepOrder.Instance).Select(s =>
        {
            var parts = s.Id.Split('.');
            var path = parts.Length > 1 ? (parts[^2] is "yes" or "no" ? parts[^2] : $"path {parts[^2]}") : null;
            var outcome = sent.GetValueOrDefault(s.Id) ?? StepOutcome.Nothing;
            return new JourneyStepView(s.Id, JourneyPlan.Upper(s.Type), s.Label ?? s.Describe(), parts.Length / 2, path,
                inStep.GetValueOrDefault(s.Id), outcome.Sent, outcome.Conversions, outcome.Revenue, s.Template?.Text);
        })];

    /// <summary>"2" before "3.yes.1" before "3.no.1" before "4": numbers by value, yes before no, paths a, b, c.</summary>
    private sealed class StepOrder : IComparer<string>
    {
        public static readonly StepOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var (a, b) = (x!.Split('.'), y!.Split('.'));
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var order = (int.TryParse(a[i], out var m), int.TryParse(b[i], out var n)) switch
                {
                    (true, true) => m.CompareTo(n),
                    _ => Rank(a[i]).CompareTo(Rank(b[i])),
                };
                if (order != 0)
                {
                    return order;
                }
            }

            return a.Length.CompareTo(b.Length);
        }

        private static int Rank(string part) => part switch { "yes" => -2, "no" => -1, _ => part[0] };
    }

    private const string ViewSql = """
        SELECT j.id, j.name, j.status, j.version, j.live_version, j.trigger_kind, v.definition::text, j.created_at, j.updated_at, j.activated_at,
               coalesce(e.entered, 0), coalesce(e.inside, 0), coalesce(e.completed, 0), coalesce(e.at_step, 0), coalesce(e.goal, 0), coalesce(e.stopped, 0),
               coalesce(m.sent, 0), coalesce(m.failed, 0), coalesce(m.pending, 0), coalesce(m.held_out, 0), coalesce(m.not_messaged, 0),
               coalesce(x.conversions, 0), coalesce(x.revenue, 0), coalesce(x.held_conversions, 0)
        FROM journeys j
        JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.version
        LEFT JOIN LATERAL (
            SELECT sum(entries)::bigint AS entered, count(*) FILTER (WHERE exited_at IS NULL) AS inside,
                   count(*) FILTER (WHERE exit_reason = 'COMPLETED') AS completed, count(*) FILTER (WHERE exit_reason = 'EXIT_STEP') AS at_step,
                   count(*) FILTER (WHERE exit_reason = 'GOAL') AS goal, count(*) FILTER (WHERE exit_reason = 'STOPPED') AS stopped
            FROM journey_enrolments WHERE journey_id = j.id) e ON true
        LEFT JOIN LATERAL (
            SELECT sum(sent_count)::bigint AS sent, sum(failed_count)::bigint AS failed, sum(pending_count)::bigint AS pending,
                   sum(held_out_count)::bigint AS held_out, sum(excluded_for_consent + excluded_for_frequency_cap + excluded_for_smart_sending)::bigint AS not_messaged
            FROM campaigns WHERE journey_id = j.id) m ON true
        LEFT JOIN LATERAL (
            SELECT count(*) FILTER (WHERE NOT cv.held) AS conversions, sum(cv.revenue) FILTER (WHERE NOT cv.held) AS revenue,
                   count(*) FILTER (WHERE cv.held) AS held_conversions
            FROM campaign_conversions cv WHERE cv.campaign_id IN (SELECT id FROM campaigns WHERE journey_id = j.id)) x ON true
        """;

    private static JourneyView ReadView(System.Data.Common.DbDataReader r)
    {
        var definition = JourneyPlan.FromJson(r.GetString(6));
        var plan = JourneyPlan.Parse(definition, []);
        var trigger = plan is null ? "(unreadable)" : DescribeTrigger(plan.Trigger);
        var audience = plan?.Trigger.Audience is { } rules ? SegmentText.Describe(rules) : null;
        return new JourneyView(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.IsDBNull(4) ? null : r.GetInt32(4), r.GetString(5), trigger, audience,
            r.GetFieldValue<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
            new JourneyCounts(r.GetInt64(10), r.GetInt64(11), r.GetInt64(12), r.GetInt64(13), r.GetInt64(14), r.GetInt64(15),
                r.GetInt64(16), r.GetInt64(17), r.GetInt64(18), r.GetInt64(19), r.GetInt64(20), r.GetInt64(21), r.GetDecimal(22), r.GetInt64(23)));
    }

    /// <summary>The trigger in words, for the list and the audit trail.</summary>
    public static string DescribeTrigger(JourneyTrigger trigger) => trigger.Kind switch
    {
        JourneyTriggerKind.CustomerCreated => "When a customer is created",
        JourneyTriggerKind.OrderPlaced => "When a customer places " + (trigger.FirstOrder ? "their first order" : "an order") +
                                          (trigger.MinAmount is { } min ? $" of at least {min:N2}" : "") + (trigger.Status is { } s ? $" that becomes {s}" : ""),
        JourneyTriggerKind.AudienceEntered => $"When a customer enters the audience: {SegmentText.Describe(trigger.Audience!)}",
        JourneyTriggerKind.Inactive => $"When a customer has not ordered for {trigger.Days} days",
        _ => $"Everyone in the audience when activated: {SegmentText.Describe(trigger.Audience!)}",
    };

    /// <summary>The definition checked; a trigger naming a saved audience gets a copy of its rules (later edits of the audience change no version).</summary>
    private async Task<(JourneyDefinition?, JourneyPlan?)> ReadDefinitionAsync(JourneyDefinition? definition, List<FieldError> errors, CancellationToken ct)
    {
        if (definition?.Trigger is { SegmentId: { } segmentId, Rules: null } trigger)
        {
            var rules = await db.ListAsync("SELECT rules::text FROM segments WHERE id = @id", [Id(segmentId)], r => r.GetString(0), ct);
            if (rules.Count == 0)
            {
                errors.Add(new FieldError("definition.trigger.segmentId", "No saved audience has this id."));
                return (null, null);
            }

            definition = definition with { Trigger = trigger with { Rules = JsonSerializer.Deserialize(rules[0], SegmentJson.Default.RuleNode) } };
        }

        var plan = JourneyPlan.Parse(definition, errors);
        return plan is null ? (null, null) : (definition, plan);
    }

    private static readonly CrmProblem NameTaken = CrmProblem.Conflict("The name is taken", "Another journey has this name; choose another.");

    private async Task ExecuteAsync(string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = await db.CommandAsync(sql, parameters, ct);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlParameter Id(Guid id) => new NpgsqlParameter<Guid>("id", id);

    private static NpgsqlParameter Text(string name, string value) => new NpgsqlParameter<string>(name, value);
}
