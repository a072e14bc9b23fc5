using System.Data.Common;
using MiniCrm.Core.Segments;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Consent;

namespace MiniCrm.Api.Application.Segments;

/// <summary>
/// Counts and lists the customers a rule group selects who may be messaged (consent and frequency cap,
/// <see cref="AudienceEligibility"/>), with the compiled, parameterised condition.
/// </summary>
public sealed class SegmentQueries(CrmDbContext db, IOptions<ConsentOptions> consent, IServiceScopeFactory scopes, TimeProvider clock)
{
    public const int SampleSize = 10;

    public const string CustomerColumns = "c.id, c.name, c.email, c.phone, c.city, c.total_spend, c.visits, c.last_order_date, c.created_at, c.unsubscribed_at";

    public async Task<AudienceCount> CountAsync(SegmentSql segment, bool smartSending, CancellationToken ct)
    {
        await using var command = await db.CommandAsync(AudienceEligibility.CountSql(segment.Condition, consent.Value, smartSending), segment.CloneParameters(), ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return AudienceEligibility.Read(reader);
    }

    /// <summary>
    /// The audience a rule group selects: counted with its exclusions, described, and sampled; or
    /// the validator's errors. For the preview endpoint and the web app's builder alike. With <paramref name="smartSending"/>
    /// (as a campaign has it unless turned off) customers messaged within its window are left out and counted.
    /// </summary>
    public async Task<(SegmentPreview? Preview, List<FieldError> Errors)> PreviewAsync(RuleNode rules, CancellationToken ct, bool smartSending = true)
    {
        var errors = new List<FieldError>();
        if (RuleGroupParser.Parse(rules, errors) is not { } group)
        {
            return (null, errors);
        }

        var segment = SegmentSql.Compile(group, clock.GetUtcNow());
        // The count and the sample run side by side, each on its own connection: the answer takes the longer of the two.
        await using var sampleScope = scopes.CreateAsyncScope();
        var sample = sampleScope.ServiceProvider.GetRequiredService<SegmentQueries>().SampleAsync(segment, SampleSize, smartSending, ct);
        var count = await CountAsync(segment, smartSending, ct);
        return (new SegmentPreview(count.Eligible, count.ExcludedForConsent, count.ExcludedForFrequencyCap, count.ExcludedForSmartSending,
            SegmentText.Describe(group), await sample), errors);
    }

    /// <summary>Any few customers of the audience: unordered, so the scan stops at the first matches.</summary>
    public Task<List<CustomerSummary>> SampleAsync(SegmentSql segment, int size, bool smartSending, CancellationToken ct) =>
        db.ListAsync(
            $"SELECT {CustomerColumns} FROM customers c WHERE ({segment.Condition}) AND {AudienceEligibility.Eligible(consent.Value, smartSending)} LIMIT {size}",
            segment.CloneParameters(), ReadCustomer, ct);

    public static CustomerSummary ReadCustomer(DbDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.NullableString(3), r.NullableString(4),
        r.GetDecimal(5), r.GetInt32(6), r.NullableField<DateTime>(7) is { } d ? new DateTimeOffset(d, TimeSpan.Zero) : null,
        new DateTimeOffset(r.GetFieldValue<DateTime>(8), TimeSpan.Zero),
        r.NullableField<DateTime>(9) is { } u ? new DateTimeOffset(u, TimeSpan.Zero) : null);
}
