using MiniCrm.Core.Campaigns;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// Pause, resume and cancel: each is one guarded status change (only from the statuses it allows), so two
/// marketers pressing at once get one change and one 409. The database records every change with its
/// time and who made it (campaign_events, written by a trigger from the transaction's minicrm.actor).
/// What follows is the Workers': the dispatcher sends only RUNNING campaigns, the delivery consumer holds
/// back deliveries of PAUSED and CANCELLED ones, and the reconciler marks a cancelled campaign's PENDING
/// deliveries CANCELLED and writes its summary.
/// </summary>
public sealed class CampaignControl(CrmDbContext db)
{
    /// <summary>Stops dispatch at the next step; what is at the vendor still comes back as receipts and counts.</summary>
    public Task<CampaignChange> PauseAsync(Guid id, string actor, CancellationToken ct) =>
        ChangeAsync(db, id, actor, CampaignAction.Pause, "", ct);

    /// <summary>Dispatches the PENDING deliveries again from the first (the vendor drops the ones it already has), so none is skipped.</summary>
    public Task<CampaignChange> ResumeAsync(Guid id, string actor, CancellationToken ct) =>
        ChangeAsync(db, id, actor, CampaignAction.Resume, "dispatch_cursor = NULL, dispatched_at = NULL", ct);

    /// <summary>
    /// Ends the campaign. One that had not written its audience yet is done at once (its whole audience
    /// cancelled); otherwise the Workers mark what is still PENDING as CANCELLED within seconds.
    /// </summary>
    public Task<CampaignChange> CancelAsync(Guid id, string actor, CancellationToken ct) =>
        ChangeAsync(db, id, actor, CampaignAction.Cancel,
            """
            completed_at = clock_timestamp(),
            cancelled_count = cancelled_count + CASE WHEN prepared_at IS NULL THEN pending_count ELSE 0 END,
            pending_count = CASE WHEN prepared_at IS NULL THEN 0 ELSE pending_count END,
            dispatched_at = coalesce(dispatched_at, clock_timestamp()),
            prepared_at = coalesce(prepared_at, clock_timestamp())
            """, ct);

    /// <summary>Moves a SCHEDULED campaign to another time (before it starts).</summary>
    public Task<CampaignChange> RescheduleAsync(Guid id, string actor, SendTime time, CancellationToken ct) =>
        ChangeAsync(db, id, actor, CampaignAction.Reschedule, "send_at = @send_at, time_zone = @time_zone", ct,
            new NpgsqlParameter("send_at", NpgsqlDbType.TimestampTz) { Value = time.At.UtcDateTime },
            new NpgsqlParameter("time_zone", NpgsqlDbType.Varchar) { Value = (object?)time.TimeZone ?? DBNull.Value });

    /// <summary>
    /// One guarded change of a campaign: <paramref name="action"/> applied only from the statuses the transition table
    /// allows (<see cref="CampaignTransitions"/>), to the status it leads to, with what else it <paramref name="set"/>s;
    /// recorded as made by <paramref name="actor"/>.
    /// </summary>
    internal static async Task<CampaignChange> ChangeAsync(
        CrmDbContext db, Guid id, string actor, CampaignAction action, string set, CancellationToken ct, params NpgsqlParameter[] values)
    {
        var allowed = CampaignTransitions.From(action).Select(s => s.Stored()).ToArray();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await using (var who = await db.CommandAsync("SELECT set_config('minicrm.actor', @actor, true)",
            [new NpgsqlParameter("actor", NpgsqlDbType.Text) { Value = actor }], ct))
        {
            await who.ExecuteNonQueryAsync(ct);
        }

        int changed;
        var assignments = string.Join(", ", new[] { "status = @to", set }.Where(a => a.Length > 0));
        await using (var change = await db.CommandAsync($"UPDATE campaigns SET {assignments} WHERE id = @id AND status = ANY(@from)",
            [new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id }, new NpgsqlParameter<string[]>("from", allowed),
             new NpgsqlParameter("to", NpgsqlDbType.Text) { Value = CampaignTransitions.To(action).Stored() }, .. values], ct))
        {
            changed = await change.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        var campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        return campaign is null ? CampaignChange.NotFound
            : changed == 1 ? new CampaignChange(campaign, null)
            : new CampaignChange(campaign, $"The campaign is {campaign.Status.Stored()}; this can be done only when it is {string.Join(" or ", allowed)}.");
    }
}
