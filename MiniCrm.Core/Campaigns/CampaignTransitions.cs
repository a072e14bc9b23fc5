using MiniCrm.Core.Domain;

namespace MiniCrm.Core.Campaigns;

/// <summary>What a marketer can do to a campaign.</summary>
public enum CampaignAction
{
    Pause,
    Resume,
    Cancel,
    Reschedule,
    Edit,
}

/// <summary>
/// The campaign's status machine, in one table: which action is allowed from which status, and the status it leads to.
/// The Api's guarded UPDATE reads it (<c>status = ANY(from)</c>, <c>status = to</c>), the campaign's page shows only the
/// buttons it allows. The Workers' own moves (SCHEDULED → RUNNING at its time, RUNNING or PAUSED → COMPLETED when every
/// delivery has its answer) are theirs, each guarded by the status it starts from.
/// </summary>
public static class CampaignTransitions
{
    private static readonly Dictionary<CampaignAction, (CampaignStatus[] From, CampaignStatus To)> Table = new()
    {
        [CampaignAction.Pause] = ([CampaignStatus.Running], CampaignStatus.Paused),
        [CampaignAction.Resume] = ([CampaignStatus.Paused], CampaignStatus.Running),
        [CampaignAction.Cancel] = ([CampaignStatus.Scheduled, CampaignStatus.Running, CampaignStatus.Paused], CampaignStatus.Cancelled),
        [CampaignAction.Reschedule] = ([CampaignStatus.Scheduled], CampaignStatus.Scheduled),
        [CampaignAction.Edit] = ([CampaignStatus.Scheduled], CampaignStatus.Scheduled),
    };


    /// <summary>The statuses <paramref name="action"/> is allowed from.</summary>
    public static IReadOnlyList<CampaignStatus> From(CampaignAction action) => Table[action].From;

    /// <summary>The status <paramref name="action"/> leads to.</summary>
    public static CampaignStatus To(CampaignAction action) => Table[action].To;

    public static bool Allows(this CampaignStatus status, CampaignAction action) => Table[action].From.Contains(status);

    /// <summary>Whether the campaign can still change (an action is allowed from its status).</summary>
    public static bool IsOpen(this CampaignStatus status) => Table.Values.Any(t => t.From.Contains(status));

    /// <summary>The status as the database stores it.</summary>
    public static string Stored(this CampaignStatus status) => status.ToString().ToUpperInvariant();
}
