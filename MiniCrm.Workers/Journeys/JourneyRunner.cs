using System.Diagnostics;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Consent;
using MiniCrm.Core.Journeys;
using MiniCrm.Core.Segments;
using MiniCrm.ServiceDefaults.Operations;
using MiniCrm.Workers.Jobs;
using Npgsql;
using NpgsqlTypes;
using OpenTelemetry;

namespace MiniCrm.Workers.Journeys;

/// <summary>
/// Moves customers through their journeys. An enrolment's step runs when it is due (a wait's end, or at once for any
/// other step): the runner claims due enrolments of each ACTIVE journey in chunks (FOR UPDATE SKIP LOCKED, so several
/// Workers share them and a paused journey's customers stay where they are), runs each step set-based for the whole
/// chunk, follows every step that runs at once (a send, a branch, a split) until each customer reaches a wait or leaves,
/// and stores where everyone is, in the transaction that claimed them. A send writes the messages as a campaign of the
/// journey (the campaign delivery path: consent and the frequency cap checked now, the dispatcher, the vendor,
/// receipts and re-dispatch). A crash rolls the chunk back whole, so no step is lost or run twice.
/// Also: enters everyone in the audience of a journey just activated with AUDIENCE_NOW, sets the inactivity timers of
/// one just activated with INACTIVE, and enters customers whose inactivity timer ran out.
/// </summary>
public sealed partial class JourneyRunner(
    NpgsqlDataSource database, JourneyPlans plans, JourneyTriggers triggers, TimeProvider clock,
    IOptions<JourneyOptions> options, IOptions<ConsentOptions> consent, DrainSignal drain, ILogger<JourneyRunner> logger)
    : PollingJob(drain, logger)
{
    private static readonly ActivitySource Source = MiniCrm.Core.Telemetry.CrmTelemetry.Source;

    protected override TimeSpan Interval => TimeSpan.FromMilliseconds(options.Value.IntervalMilliseconds);

    public override async Task RunOnceAsync(CancellationToken ct)
    {
        await SeedAsync(ct);
        while (!ct.IsCancellationRequested && await TimersChunkAsync(ct) == options.Value.ChunkSize)
        {
        }

        List<Guid> active = [];
        using (SuppressInstrumentationScope.Begin())
        {
            await using var find = database.CreateCommand("SELECT id FROM journeys WHERE status = 'ACTIVE' ORDER BY activated_at");
            await using var reader = await find.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                active.Add(reader.GetGuid(0));
            }
        }

        // Chunks of one journey side by side (SKIP LOCKED gives each its own customers): the database works on both at once.
        foreach (var journey in active)
        {
            try
            {
                await Task.WhenAll(Enumerable.Range(0, options.Value.Parallelism).Select(async _ =>
                {
                    while (!ct.IsCancellationRequested && await StepChunkAsync(journey, ct) == options.Value.ChunkSize)
                    {
                    }
                }));
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or NpgsqlException or TimeoutException))
            {
                // A journey whose steps fail (its chunk rolled back, tried again at the next tick) does not stop the others,
                // nor the Workers: it is logged with its id, loudly, every time.
                LogJourneyFailed(ex, journey);
            }
        }
    }

    /// <summary>
    /// A journey activated with AUDIENCE_NOW enters everyone in its audience, in one INSERT ... SELECT; one with INACTIVE
    /// sets a timer for every customer whose quiet spell ends after now. Once per journey (seeded_at).
    /// </summary>
    private async Task SeedAsync(CancellationToken ct)
    {
        var quiet = SuppressInstrumentationScope.Begin();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        Guid id;
        int version;
        using (quiet)
        {
            await using var pick = new NpgsqlCommand(
                """
                SELECT id, live_version FROM journeys
                WHERE status IN ('ACTIVE', 'PAUSED') AND seeded_at IS NULL AND trigger_kind IN ('AUDIENCE_NOW', 'INACTIVE')
                LIMIT 1 FOR UPDATE SKIP LOCKED
                """, connection, transaction);
            await using var reader = await pick.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return;
            }

            (id, version) = (reader.GetGuid(0), reader.GetInt32(1));
        }

        using var activity = Source.StartActivity("start journey");
        activity?.SetTag("minicrm.journey.id", id);
        var started = Stopwatch.GetTimestamp();
        var journey = await plans.VersionAsync(connection, transaction, id, version, ct);
        var count = 0;
        if (journey is { Plan.Trigger: { Kind: JourneyTriggerKind.AudienceNow, Audience: { } audience } })
        {
            var segment = SegmentSql.Compile(audience, clock.GetUtcNow());
            count = await triggers.EnterAsync(connection, transaction, journey, $"SELECT c.id AS customer_id FROM customers c WHERE {segment.Condition}", segment.CloneParameters(), ct);
        }
        else if (journey is { Plan.Trigger: { Kind: JourneyTriggerKind.Inactive, Days: { } days } })
        {
            await using var timers = new NpgsqlCommand(JourneySql.InactivityTimers("true"), connection, transaction) { CommandTimeout = 0 };
            timers.Parameters.Add(new NpgsqlParameter<Guid>("journey", id));
            timers.Parameters.Add(new NpgsqlParameter<int>("days", days));
            count = await timers.ExecuteNonQueryAsync(ct);
        }

        await using (var mark = new NpgsqlCommand("UPDATE journeys SET seeded_at = clock_timestamp() WHERE id = @id", connection, transaction))
        {
            mark.Parameters.Add(new NpgsqlParameter<Guid>("id", id));
            await mark.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        LogSeeded(journey?.Name ?? id.ToString(), count, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>Customers whose inactivity timer ran out and who have still not ordered enter the journey.</summary>
    private async Task<int> TimersChunkAsync(CancellationToken ct)
    {
        var quiet = SuppressInstrumentationScope.Begin();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var due = new List<(Guid Journey, Guid Customer)>();
        using (quiet)
        {
            await using var claim = new NpgsqlCommand(
                """
                DELETE FROM journey_timers t USING (
                    SELECT journey_id, customer_id FROM journey_timers WHERE due_at <= now() ORDER BY due_at LIMIT @limit FOR UPDATE SKIP LOCKED) d
                WHERE t.journey_id = d.journey_id AND t.customer_id = d.customer_id
                RETURNING t.journey_id, t.customer_id
                """, connection, transaction);
            claim.Parameters.Add(new NpgsqlParameter<int>("limit", options.Value.ChunkSize));
            await using var reader = await claim.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add((reader.GetGuid(0), reader.GetGuid(1)));
            }
        }

        if (due.Count == 0)
        {
            return 0;
        }

        using var activity = Source.StartActivity("journey inactivity timers");
        var live = (await plans.LiveAsync(connection, transaction, [JourneyTriggerKind.Inactive], ct)).ToDictionary(j => j.Id);
        foreach (var group in due.GroupBy(d => d.Journey))
        {
            if (live.TryGetValue(group.Key, out var journey))
            {
                await triggers.EnterAsync(connection, transaction, journey,
                    "SELECT c.id AS customer_id FROM customers c WHERE c.id = ANY(@customers) AND c.last_order_date + make_interval(days => @days) <= now()",
                    [new NpgsqlParameter<Guid[]>("customers", [.. group.Select(g => g.Customer)]), new NpgsqlParameter<int>("days", journey.Plan.Trigger.Days!.Value)], ct);
            }
        }

        await transaction.CommitAsync(ct);
        return due.Count;
    }

    /// <summary>A claimed enrolment: its customer, and where its row is (<see cref="Row"/>: stable while the claim holds its lock).</summary>
    private sealed record Member(Guid Customer, DateTime EnteredAt, bool HeldOut, string Row);

    /// <returns>How many enrolments the chunk took.</returns>
    private async Task<int> StepChunkAsync(Guid journeyId, CancellationToken ct)
    {
        var quiet = SuppressInstrumentationScope.Begin();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claimed = new List<(int Version, string? Step, Member Member)>();
        var watch = Stopwatch.StartNew();
        using (quiet)
        {
            // Still active, and held so until this chunk commits: a pause or a stop waits for it, then holds or cancels what
            // it wrote (its campaign included), instead of a chunk sending after the journey was paused or stopped.
            await using (var active = new NpgsqlCommand("SELECT 1 FROM journeys WHERE id = @journey AND status = 'ACTIVE' FOR SHARE", connection, transaction))
            {
                active.Parameters.Add(new NpgsqlParameter<Guid>("journey", journeyId));
                if (await active.ExecuteScalarAsync(ct) is null)
                {
                    return 0;
                }
            }

            await using var claim = new NpgsqlCommand(
                """
                SELECT e.version, e.step, e.customer_id, e.entered_at, e.held_out, e.ctid::text FROM journey_enrolments e
                WHERE e.journey_id = @journey AND e.exited_at IS NULL AND e.due_at <= now()
                ORDER BY e.due_at LIMIT @limit
                FOR UPDATE SKIP LOCKED
                """, connection, transaction);
            claim.Parameters.Add(new NpgsqlParameter<Guid>("journey", journeyId));
            claim.Parameters.Add(new NpgsqlParameter<int>("limit", options.Value.ChunkSize));
            await using var reader = await claim.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                claimed.Add((reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), new Member(reader.GetGuid(2), reader.GetDateTime(3), reader.GetBoolean(4), reader.GetString(5))));
            }
        }

        if (claimed.Count == 0)
        {
            return 0;
        }

        var claiming = watch.Elapsed.TotalMilliseconds;
        using var activity = Source.StartActivity("run journey steps");
        activity?.SetTag("minicrm.journey.id", journeyId);
        activity?.SetTag("minicrm.journey.customers", claimed.Count);
        var moved = new Moves();
        var now = clock.GetUtcNow();
        foreach (var group in claimed.GroupBy(c => (c.Version, c.Step)))
        {
            var journey = await plans.VersionAsync(connection, transaction, journeyId, group.Key.Version, ct);
            var members = group.Select(g => g.Member).ToList();
            if (journey is null || group.Key.Step is not { } step || !journey.Plan.HasStep(step))
            {
                // A version that cannot be read any more, or a step it does not have: the customers leave, said why.
                moved.Leave(members, "COMPLETED");
                continue;
            }

            var run = new StepRun(this, connection, transaction, journey, moved, now);
            await run.ExecuteAsync(journey.Plan.Step(step), members, depth: 0, ct);
        }

        var running = watch.Elapsed.TotalMilliseconds;
        await moved.StoreAsync(connection, transaction, journeyId, ct);
        var storing = watch.Elapsed.TotalMilliseconds;
        await transaction.CommitAsync(ct);
        LogStepped(journeyId, claimed.Count, moved.Sent, moved.Left, claiming, running - claiming, storing - running, watch.Elapsed.TotalMilliseconds - storing);
        return claimed.Count;
    }

    /// <summary>
    /// Where each customer of a chunk ends up: at a wait (step, due) or out (reason). Stored as one UPDATE per distinct
    /// outcome (a chunk has a few), each finding its rows by the row ids the claim read (a TID scan, no index lookups).
    /// </summary>
    private sealed class Moves
    {
        private readonly Dictionary<(string? Step, DateTime? Due, string? Reason), List<string>> _outcomes = [];

        public int Sent { get; set; }
        public int Left { get; private set; }

        public void Wait(IEnumerable<Member> members, string step, DateTimeOffset due) => Add(members, (step, due.UtcDateTime, null));

        public void Leave(IEnumerable<Member> members, string reason)
        {
            var before = Count;
            Add(members, (null, null, reason));
            Left += Count - before;
        }

        private int Count => _outcomes.Values.Sum(r => r.Count);

        private void Add(IEnumerable<Member> members, (string?, DateTime?, string?) outcome)
        {
            if (!_outcomes.TryGetValue(outcome, out var rows))
            {
                _outcomes[outcome] = rows = [];
            }

            rows.AddRange(members.Select(m => m.Row));
        }

        public async Task StoreAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid journey, CancellationToken ct)
        {
            foreach (var ((step, due, reason), rows) in _outcomes)
            {
                await using var store = new NpgsqlCommand(
                    """
                    UPDATE journey_enrolments e
                    SET step = @step, due_at = @due, exit_reason = @reason, exited_at = CASE WHEN @reason::text IS NULL THEN NULL ELSE now() END
                    WHERE e.ctid = ANY(@rows::tid[]) AND e.journey_id = @journey
                    """, connection, transaction) { CommandTimeout = 0 };
                store.Parameters.Add(new NpgsqlParameter<Guid>("journey", journey));
                store.Parameters.Add(new NpgsqlParameter<string[]>("rows", [.. rows]));
                store.Parameters.Add(new NpgsqlParameter("step", NpgsqlDbType.Text) { Value = (object?)step ?? DBNull.Value });
                store.Parameters.Add(new NpgsqlParameter("due", NpgsqlDbType.TimestampTz) { Value = (object?)due ?? DBNull.Value });
                store.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = (object?)reason ?? DBNull.Value });
                await store.ExecuteNonQueryAsync(ct);
            }
        }
    }

    /// <summary>Runs steps for a group of customers of one version, following every step that runs at once.</summary>
    private sealed class StepRun(JourneyRunner runner, NpgsqlConnection connection, NpgsqlTransaction transaction, LiveJourney journey, Moves moves, DateTimeOffset now)
    {
        public async Task ExecuteAsync(JourneyStep step, List<Member> members, int depth, CancellationToken ct)
        {
            if (members.Count == 0)
            {
                return;
            }

            switch (step.Type)
            {
                case JourneyStepType.Wait:
                    await ArriveAsync(step.Next, members, depth, ct);
                    break;
                case JourneyStepType.Send:
                    moves.Sent += await runner.SendAsync(connection, transaction, journey, step, members, ct);
                    await ArriveAsync(step.Next, members, depth, ct);
                    break;
                case JourneyStepType.Branch:
                    var yes = await runner.MatchingAsync(connection, transaction, step, members, now, ct);
                    await ArriveAsync(step.Yes, [.. members.Where(m => yes.Contains(m.Customer))], depth, ct);
                    await ArriveAsync(step.No, [.. members.Where(m => !yes.Contains(m.Customer))], depth, ct);
                    break;
                case JourneyStepType.Split:
                    foreach (var path in members.GroupBy(m => JourneyPlan.PathOf(step, JourneyPlan.SplitBucket(journey.Id, step.Id, m.Customer))))
                    {
                        await ArriveAsync(path.Key, [.. path], depth, ct);
                    }

                    break;
                default:
                    moves.Leave(members, "EXIT_STEP");
                    break;
            }
        }

        /// <summary>Customers arrive at <paramref name="stepId"/>: a wait holds them until it ends; anything else runs now.</summary>
        private async Task ArriveAsync(string? stepId, List<Member> members, int depth, CancellationToken ct)
        {
            if (members.Count == 0)
            {
                return;
            }

            if (stepId is null)
            {
                moves.Leave(members, "COMPLETED");
                return;
            }

            var step = journey.Plan.Step(stepId);
            if (step.Type == JourneyStepType.Wait)
            {
                moves.Wait(members, step.Id, journey.Plan.DueOnEntering(step, now));
                return;
            }

            // Steps form a tree that only goes down or on, so this ends; the guard is for a plan that says otherwise.
            if (depth > JourneyPlan.MaxSteps * 2)
            {
                moves.Leave(members, "COMPLETED");
                return;
            }

            await ExecuteAsync(step, members, depth + 1, ct);
        }
    }

    /// <summary>The customers of <paramref name="members"/> for whom a branch's condition holds now.</summary>
    private async Task<HashSet<Guid>> MatchingAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, JourneyStep branch, List<Member> members, DateTimeOffset now, CancellationToken ct)
    {
        await using var match = new NpgsqlCommand { Connection = connection, Transaction = transaction };
        if (branch.OrderedSinceEntry)
        {
            match.CommandText = """
                SELECT m.customer_id FROM unnest(@customers, @entered) AS m(customer_id, entered_at)
                WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = m.customer_id AND o.order_date >= m.entered_at)
                """;
            match.Parameters.Add(new NpgsqlParameter<DateTime[]>("entered", [.. members.Select(m => m.EnteredAt)]));
        }
        else
        {
            var segment = SegmentSql.Compile(branch.Rules!, now);
            match.CommandText = $"SELECT c.id FROM customers c WHERE c.id = ANY(@customers) AND ({segment.Condition})";
            match.Parameters.AddRange(segment.CloneParameters().ToArray());
        }

        match.Parameters.Add(new NpgsqlParameter<Guid[]>("customers", [.. members.Select(m => m.Customer)]));
        var yes = new HashSet<Guid>();
        await using var reader = await match.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            yes.Add(reader.GetGuid(0));
        }

        return yes;
    }

    /// <summary>
    /// A send step for a group of customers: one campaign of the journey, its log rows written as a campaign's (the template
    /// personalised in SQL; consent and the frequency cap checked now, and smart sending when the step asks for it; held-out
    /// customers recorded HELD_OUT, not sent), so the dispatcher, the vendor, receipts and re-dispatch take it from here. The
    /// message counts for smart sending in the campaigns after it.
    /// </summary>
    /// <returns>How many messages will be sent.</returns>
    private async Task<int> SendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LiveJourney journey, JourneyStep step, List<Member> members, CancellationToken ct)
    {
        var campaign = Guid.CreateVersion7(clock.GetUtcNow());
        var settings = consent.Value;
        int pending, heldOut, unsubscribed, capped, recent;
        var template = step.Template!;
        // One statement: each customer's consent and cap decided once, the eligible ones' messages written, the rest counted.
        await using (var write = new NpgsqlCommand(
            $"""
            WITH members AS MATERIALIZED (
                SELECT c.id, c.name, c.email, c.phone, c.city, m.held_out,
                       ({AudienceEligibility.Unsubscribed}) AS unsubscribed, ({AudienceEligibility.Capped(settings)}) AS capped,
                       ({AudienceEligibility.RecentlyMessaged(settings, step.SmartSending)}) AS recent
                FROM unnest(@customers, @held) AS m(customer_id, held_out) JOIN customers c ON c.id = m.customer_id
            ), written AS (
                INSERT INTO communication_logs (campaign_id, customer_id, customer_name, email, phone, personalized_msg, status, created_at, journey)
                SELECT @campaign, c.id, c.name, c.email, c.phone, {template.SqlExpression("@template_parts")},
                       CASE WHEN c.held_out THEN 'HELD_OUT' ELSE 'PENDING' END, now(), true
                FROM members c
                WHERE NOT c.unsubscribed AND NOT c.capped AND NOT c.recent
                ORDER BY c.id
                RETURNING customer_id, status
            ), remembered AS (
                INSERT INTO last_campaign_messages (customer_id, at, campaign_id)
                SELECT customer_id, now(), @campaign FROM written WHERE status = 'PENDING' ORDER BY customer_id
                ON CONFLICT (customer_id) DO UPDATE SET at = excluded.at, campaign_id = excluded.campaign_id
                WHERE last_campaign_messages.at <= excluded.at
            )
            SELECT (SELECT count(*) FILTER (WHERE status = 'PENDING') FROM written)::int, (SELECT count(*) FILTER (WHERE status = 'HELD_OUT') FROM written)::int,
                   (SELECT count(*) FILTER (WHERE unsubscribed) FROM members)::int, (SELECT count(*) FILTER (WHERE capped AND NOT unsubscribed) FROM members)::int,
                   (SELECT count(*) FILTER (WHERE recent AND NOT capped AND NOT unsubscribed) FROM members)::int
            """, connection, transaction) { CommandTimeout = 0 })
        {
            write.Parameters.Add(new NpgsqlParameter<Guid>("campaign", campaign));
            write.Parameters.Add(new NpgsqlParameter<Guid[]>("customers", [.. members.Select(m => m.Customer)]));
            write.Parameters.Add(new NpgsqlParameter<bool[]>("held", [.. members.Select(m => m.HeldOut)]));
            write.Parameters.Add(new NpgsqlParameter("template_parts", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = template.SqlParts });
            write.Parameters.Add(new NpgsqlParameter("link_base", NpgsqlDbType.Text) { Value = settings.PublicBaseUrl.TrimEnd('/') });
            write.Parameters.Add(new NpgsqlParameter("link_key", NpgsqlDbType.Bytea) { Value = System.Text.Encoding.UTF8.GetBytes(settings.LinkSigningKey) });
            await using var reader = await write.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (pending, heldOut, unsubscribed, capped, recent) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
        }

        // The journey's campaign for this chunk: RUNNING and prepared, so the dispatcher sends it like any other; completed
        // at once when nobody could be messaged.
        await using (var create = new NpgsqlCommand(
            """
            INSERT INTO campaigns (id, name, created_by, segment, intent, message, status, prepared_at, dispatched_at, completed_at, smart_sending,
                                   holdout_percent, held_out_count, audience_size, pending_count, sent_count, failed_count, excluded_for_consent, excluded_for_frequency_cap,
                                   excluded_for_smart_sending, journey_id, journey_version, journey_step, summary, summary_provider, created_at)
            SELECT @id, left(@name, 200), @created_by, '{"combinator": "AND", "rules": []}'::jsonb, left(@intent, 2000), @message,
                   CASE WHEN @pending = 0 THEN 'COMPLETED' ELSE 'RUNNING' END, clock_timestamp(),
                   CASE WHEN @pending = 0 THEN clock_timestamp() END, CASE WHEN @pending = 0 THEN clock_timestamp() END, @smart_sending,
                   @holdout, @held_out, @pending, @pending, 0, 0, @unsubscribed, @capped, @recent, @journey, @version, @step,
                   CASE WHEN @pending = 0 THEN 'Nobody in this chunk of the journey could be messaged (unsubscribed, at the frequency cap, messaged recently, or held out).' END,
                   CASE WHEN @pending = 0 THEN 'offline' END, clock_timestamp()
            """, connection, transaction))
        {
            create.Parameters.Add(new NpgsqlParameter<Guid>("id", campaign));
            create.Parameters.Add(new NpgsqlParameter<string>("name", $"{journey.Name} · step {step.Id}"));
            create.Parameters.Add(new NpgsqlParameter<string>("created_by", journey.CreatedBy));
            create.Parameters.Add(new NpgsqlParameter<string>("intent", $"Journey '{journey.Name}' (version {journey.Version}), step {step.Id}: {step.Label ?? step.Describe()}"));
            create.Parameters.Add(new NpgsqlParameter<string>("message", template.Text));
            create.Parameters.Add(new NpgsqlParameter<int>("pending", pending));
            create.Parameters.Add(new NpgsqlParameter<int>("held_out", heldOut));
            create.Parameters.Add(new NpgsqlParameter<int>("holdout", journey.Plan.HoldoutPercent));
            create.Parameters.Add(new NpgsqlParameter<int>("unsubscribed", unsubscribed));
            create.Parameters.Add(new NpgsqlParameter<int>("capped", capped));
            create.Parameters.Add(new NpgsqlParameter<int>("recent", recent));
            create.Parameters.Add(new NpgsqlParameter<bool>("smart_sending", step.SmartSending));
            create.Parameters.Add(new NpgsqlParameter<Guid>("journey", journey.Id));
            create.Parameters.Add(new NpgsqlParameter<int>("version", journey.Version));
            create.Parameters.Add(new NpgsqlParameter<string>("step", step.Id));
            await create.ExecuteNonQueryAsync(ct);
        }

        return pending;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Journey {JourneyId}: running its due steps failed; its customers stay where they were and are tried again.")]
    private partial void LogJourneyFailed(Exception ex, Guid journeyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Journey '{Name}': {Count} customers entered in {Seconds:0.0} s (AUDIENCE_NOW), or inactivity timers set (INACTIVE).")]
    private partial void LogSeeded(string name, int count, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Journey {JourneyId}: {Customers} customers stepped on, {Sent} messages written, {Left} left the journey ({Claim:0} ms claiming, {Run:0} ms running the steps, {Store:0} ms storing, {Commit:0} ms committing).")]
    private partial void LogStepped(Guid journeyId, int customers, int sent, int left, double claim, double run, double store, double commit);
}
