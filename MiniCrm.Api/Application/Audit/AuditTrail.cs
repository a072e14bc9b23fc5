using System.Globalization;
using MiniCrm.Api.Http;
using MiniCrm.Core.Segments;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Audit;

/// <summary>
/// The audit trail as admins read it: newest first, a page at a time, filtered by who, what, which record and when
/// (<see cref="AuditQuery"/>); the same filter selects what the CSV download streams. Appended by <see cref="Access"/>.
/// </summary>
public sealed class AuditTrail(CrmDbContext db, Access access)
{
    public const string CsvHeader = "id,at,user_id,user_email,role,action,record_type,record_id,address,detail";

    public async Task<Result<Page<AuditEventView>>> ListAsync(AuditQuery query, int? limit, string? cursor, CancellationToken ct)
    {
        if (access.Refuse(Operations.ReadAudit) is { } refused)
        {
            return refused;
        }

        var parameters = new List<NpgsqlParameter>();
        var errors = new List<FieldError>();
        var where = new List<string> { Filter(query, parameters, errors) };
        if (cursor is not null)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var before))
            {
                errors.Add(new FieldError("cursor", "Not a cursor this API returned."));
            }

            parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Bigint) { Value = before });
            where.Add("id < @before");
        }

        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        var take = Paging.Clamp(limit);
        var ids = await db.ListAsync($"SELECT id FROM audit_events WHERE {string.Join(" AND ", where)} ORDER BY id DESC LIMIT {take + 1}",
            parameters, r => r.GetInt64(0), ct);
        var page = ids.Take(take).ToList();
        var rows = await db.AuditEvents.AsNoTracking().Where(e => page.Contains(e.Id)).OrderByDescending(e => e.Id).ToListAsync(ct);
        var names = await NamesAsync(rows, ct);
        return new Page<AuditEventView>([.. rows.Select(e => AuditEventView.From(e) with { RecordName = e.RecordId is { } id ? names.GetValueOrDefault((e.RecordType, id)) : null })],
            ids.Count > take ? page[^1].ToString(CultureInfo.InvariantCulture) : null);
    }

    /// <summary>The names of a page's records, one query per kind: campaigns, audiences and drafts by name, customers by name, users by email.</summary>
    private async Task<Dictionary<(string?, string), string>> NamesAsync(List<AuditEvent> rows, CancellationToken ct)
    {
        List<Guid> Ids(string type) => [.. rows.Where(e => e.RecordType == type && Guid.TryParse(e.RecordId, out _)).Select(e => Guid.Parse(e.RecordId!)).Distinct()];
        var names = new Dictionary<(string?, string), string>();
        void Add<TKey>(string type, IEnumerable<(TKey Id, string? Name)> found)
        {
            foreach (var (id, name) in found.Where(f => f.Name is not null))
            {
                names[(type, id!.ToString()!)] = name!;
            }
        }

        var campaigns = Ids("campaign");
        Add("campaign", (await db.Campaigns.AsNoTracking().Where(c => campaigns.Contains(c.Id)).Select(c => new { c.Id, c.Name }).ToListAsync(ct)).Select(c => (c.Id, (string?)c.Name)));
        var segments = Ids("segment");
        Add("segment", (await db.Segments.AsNoTracking().Where(s => segments.Contains(s.Id)).Select(s => new { s.Id, s.Name }).ToListAsync(ct)).Select(s => (s.Id, (string?)s.Name)));
        var customers = Ids("customer");
        Add("customer", (await db.Customers.AsNoTracking().Where(c => customers.Contains(c.Id)).Select(c => new { c.Id, c.Name }).ToListAsync(ct)).Select(c => (c.Id, (string?)c.Name)));
        var drafts = Ids("draft");
        Add("draft", (await db.CampaignDrafts.AsNoTracking().Where(d => drafts.Contains(d.Id)).Select(d => new { d.Id, d.Name }).ToListAsync(ct)).Select(d => (d.Id, (string?)d.Name)));
        var journeys = Ids("journey");
        if (journeys.Count > 0)
        {
            Add("journey", await db.ListAsync("SELECT id, name FROM journeys WHERE id = ANY(@ids)", [new Npgsql.NpgsqlParameter<Guid[]>("ids", [.. journeys])],
                r => (r.GetGuid(0), (string?)r.GetString(1)), ct));
        }

        var users = rows.Where(e => e.RecordType == "user" && e.RecordId is not null).Select(e => e.RecordId!).Distinct().ToList();
        Add("user", (await db.Users.AsNoTracking().Where(u => users.Contains(u.Id)).Select(u => new { u.Id, u.Email }).ToListAsync(ct)).Select(u => (u.Id, u.Email)));
        return names;
    }

    /// <summary>
    /// The SQL condition <paramref name="query"/> makes (with its parameters), or its problems; for a page and for the
    /// download alike.
    /// </summary>
    public static string Filter(AuditQuery query, List<NpgsqlParameter> parameters, List<FieldError> errors)
    {
        var conditions = new List<string> { "TRUE" };
        if (TextSearch.Add(query.User, ["user_email", "user_id"], conditions, parameters) is { } user)
        {
            errors.Add(user with { Field = "user" });
        }

        if (query.Action is { Length: > 0 } action)
        {
            if (action.Length > 64 || !action.All(c => char.IsAsciiLetterLower(c) || c is '.' or '_'))
            {
                errors.Add(new FieldError("action", "Choose an action such as campaign.cancel, or a kind such as campaign."));
            }

            parameters.Add(new NpgsqlParameter("action", NpgsqlDbType.Text) { Value = action });
            conditions.Add(action.Contains('.') ? "action = @action" : "action LIKE @action || '.%'");
        }

        if (query.Record is { Length: > 0 } record)
        {
            if (record.Length > 64 || MiniCrm.Core.Text.StoredText.Problem(record) is not null)
            {
                errors.Add(new FieldError("record", "Optional: a record's id, up to 64 characters."));
            }

            parameters.Add(new NpgsqlParameter("record", NpgsqlDbType.Text) { Value = record.Trim() });
            conditions.Add("record_id = @record");
        }

        if (query.From is { } from)
        {
            parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from.UtcDateTime });
            conditions.Add("at >= @from");
        }

        if (query.To is { } to)
        {
            parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to.UtcDateTime });
            conditions.Add("at < @to");
        }

        if (query is { From: { } start, To: { } end } && end <= start)
        {
            errors.Add(new FieldError("to", "The end of the period must come after its start."));
        }

        return string.Join(" AND ", conditions);
    }
}
