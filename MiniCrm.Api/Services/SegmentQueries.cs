using System.Data.Common;
using MiniCrm.Core.Segments;
using Npgsql;

namespace MiniCrm.Api.Services;

public sealed record CustomerSummary(
    Guid Id, string Name, string Email, string? Phone, string? City,
    decimal TotalSpend, int Visits, DateTimeOffset? LastOrderDate, DateTimeOffset CreatedAt);

/// <summary>Counts and lists the customers a rule group selects, with the compiled, parameterised condition.</summary>
public sealed class SegmentQueries(CrmDbContext db)
{
    public const string CustomerColumns = "c.id, c.name, c.email, c.phone, c.city, c.total_spend, c.visits, c.last_order_date, c.created_at";

    public async Task<long> CountAsync(SegmentSql segment, CancellationToken ct)
    {
        await using var command = await db.CommandAsync($"SELECT count(*) FROM customers c WHERE {segment.Condition}", segment.CloneParameters(), ct);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Any few customers of the segment: unordered, so the scan stops at the first matches.</summary>
    public Task<List<CustomerSummary>> SampleAsync(SegmentSql segment, int size, CancellationToken ct) =>
        db.ListAsync(
            $"SELECT {CustomerColumns} FROM customers c WHERE {segment.Condition} LIMIT {size}",
            segment.CloneParameters(), ReadCustomer, ct);

    public static CustomerSummary ReadCustomer(DbDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.NullableString(3), r.NullableString(4),
        r.GetDecimal(5), r.GetInt32(6), r.NullableField<DateTime>(7) is { } d ? new DateTimeOffset(d, TimeSpan.Zero) : null,
        new DateTimeOffset(r.GetFieldValue<DateTime>(8), TimeSpan.Zero));
}
