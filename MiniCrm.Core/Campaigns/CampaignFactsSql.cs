using System.Data.Common;
using System.Text.Json;
using MiniCrm.Core.Ai;
using Npgsql;

namespace MiniCrm.Core.Campaigns;

/// <summary>A campaign row's summary facts in SQL (a RETURNING or SELECT list over <c>campaigns</c>) and back; the next column is at <see cref="Count"/>.</summary>
public static class CampaignFactsSql
{
    /// <summary>
    /// id, name, audience, delivered, failed, cancelled, and the failure reasons as JSON: the 100 most frequent with their
    /// counts, and how many kinds there were in all (the summary names the first <see cref="CampaignFacts.ReasonsNamed"/>
    /// and counts the rest); once its results are final, what it earned as JSON (<see cref="OutcomeFacts"/>, from the kept
    /// conversion rows).
    /// </summary>
    public const string Columns = """
        campaigns.id, campaigns.name, campaigns.audience_size, campaigns.sent_count, campaigns.failed_count, campaigns.cancelled_count,
        (SELECT json_build_object(
                    'reasons', coalesce(json_agg(json_build_object('reason', r.reason, 'count', r.n) ORDER BY r.n DESC, r.reason) FILTER (WHERE r.rank <= 100), '[]'),
                    'kinds', count(*))::text
         FROM (SELECT coalesce(l.failure_reason, 'no reason given') AS reason, count(*)::int AS n,
                      row_number() OVER (ORDER BY count(*) DESC, coalesce(l.failure_reason, 'no reason given')) AS rank
               FROM communication_logs l
               WHERE l.campaign_id = campaigns.id AND l.status = 'FAILED'
               GROUP BY 1) r) AS failures,
        CASE WHEN campaigns.results_final_at IS NOT NULL THEN
            (SELECT json_build_object('attributionDays', campaigns.attribution_days, 'messaged', campaigns.sent_count, 'heldOut', campaigns.held_out_count,
                        'conversions', count(*) FILTER (WHERE NOT x.held), 'revenue', coalesce(sum(x.revenue) FILTER (WHERE NOT x.held), 0),
                        'heldOutConversions', count(*) FILTER (WHERE x.held), 'heldOutRevenue', coalesce(sum(x.revenue) FILTER (WHERE x.held), 0))::text
             FROM campaign_conversions x WHERE x.campaign_id = campaigns.id) END AS outcome
        """;

    public const int Count = 8;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static (Guid Id, CampaignFacts Facts) Read(DbDataReader reader)
    {
        var failures = JsonSerializer.Deserialize<Failures>(reader.GetString(6), Json)!;
        var outcome = reader.IsDBNull(7) ? null : JsonSerializer.Deserialize<OutcomeFacts>(reader.GetString(7), Json);
        return (reader.GetGuid(0), new CampaignFacts(reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4),
            failures.Reasons, reader.GetInt32(5), failures.Kinds, outcome));
    }

    private sealed record Failures(List<FailureCount> Reasons, int Kinds);

    /// <summary>
    /// Campaigns that have just finished (or whose counters a late receipt moved after a cancel): their
    /// facts, with the summary now the offline one and, when <paramref name="askModel"/>, a model's due.
    /// </summary>
    public static async Task<List<(Guid Id, CampaignFacts Facts)>> ResummariseAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Guid> campaigns, bool askModel, CancellationToken ct)
    {
        var finished = new List<(Guid Id, CampaignFacts Facts)>();
        await using (var read = new NpgsqlCommand(
            $"""
            UPDATE campaigns SET summary_provider = 'offline', summary_due_at = CASE WHEN @ask_model AND journey_id IS NULL THEN clock_timestamp() END
            WHERE id = ANY(@ids)
            RETURNING {Columns}
            """, connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. campaigns]));
            read.Parameters.Add(new NpgsqlParameter<bool>("ask_model", askModel));
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                finished.Add(Read(reader));
            }
        }

        if (finished.Count > 0)
        {
            await using var write = new NpgsqlCommand(
                "UPDATE campaigns c SET summary = s.summary FROM unnest(@ids, @summaries) AS s(id, summary) WHERE c.id = s.id", connection, transaction);
            write.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. finished.Select(c => c.Id)]));
            write.Parameters.Add(new NpgsqlParameter<string[]>("summaries", [.. finished.Select(c => c.Facts.Render())]));
            await write.ExecuteNonQueryAsync(ct);
        }

        return finished;
    }
}
