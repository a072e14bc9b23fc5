using System.Data.Common;
using System.Text.Json;
using MiniCrm.Core.Ai;

namespace MiniCrm.Workers.Campaigns;

/// <summary>A campaign row's summary facts in SQL (a RETURNING or SELECT list over <c>campaigns</c>) and back.</summary>
internal static class CampaignFactsSql
{
    /// <summary>id, name, audience, delivered, failed, and the three most frequent failure reasons as JSON.</summary>
    public const string Columns = """
        campaigns.id, campaigns.name, campaigns.audience_size, campaigns.sent_count, campaigns.failed_count,
        (SELECT coalesce(json_agg(json_build_object('reason', r.reason, 'count', r.n) ORDER BY r.n DESC, r.reason), '[]')::text
         FROM (SELECT coalesce(l.failure_reason, 'no reason given') AS reason, count(*)::int AS n
               FROM communication_logs l
               WHERE l.campaign_id = campaigns.id AND l.status = 'FAILED'
               GROUP BY 1 ORDER BY n DESC, reason LIMIT 3) r) AS failures
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static (Guid Id, CampaignFacts Facts) Read(DbDataReader reader) =>
        (reader.GetGuid(0), new CampaignFacts(reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4),
            JsonSerializer.Deserialize<List<FailureCount>>(reader.GetString(5), Json) ?? []));
}
