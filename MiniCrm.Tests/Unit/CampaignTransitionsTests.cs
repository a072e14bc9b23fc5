using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Domain;

namespace MiniCrm.Tests.Unit;

/// <summary>The campaign's status machine: every action from every status, against the table the README states.</summary>
[Trait("Category", "Unit")]
public sealed class CampaignTransitionsTests
{
    public static TheoryData<CampaignAction, CampaignStatus, bool> Cases()
    {
        // The README's table: pause a RUNNING one, resume a PAUSED one, cancel one that has not finished, change or move a SCHEDULED one.
        var allowed = new Dictionary<CampaignAction, CampaignStatus[]>
        {
            [CampaignAction.Pause] = [CampaignStatus.Running],
            [CampaignAction.Resume] = [CampaignStatus.Paused],
            [CampaignAction.Cancel] = [CampaignStatus.Scheduled, CampaignStatus.Running, CampaignStatus.Paused],
            [CampaignAction.Reschedule] = [CampaignStatus.Scheduled],
            [CampaignAction.Edit] = [CampaignStatus.Scheduled],
        };
        var data = new TheoryData<CampaignAction, CampaignStatus, bool>();
        foreach (var action in Enum.GetValues<CampaignAction>())
        {
            foreach (var status in Enum.GetValues<CampaignStatus>())
            {
                data.Add(action, status, allowed[action].Contains(status));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void An_action_is_allowed_only_from_the_statuses_in_the_table(CampaignAction action, CampaignStatus status, bool allowed)
    {
        Assert.Equal(allowed, status.Allows(action));
        Assert.Equal(allowed, CampaignTransitions.From(action).Contains(status));
    }

    [Fact]
    public void Finished_campaigns_cannot_change_and_actions_lead_where_they_say()
    {
        Assert.False(CampaignStatus.Completed.IsOpen());
        Assert.False(CampaignStatus.Cancelled.IsOpen());
        Assert.True(CampaignStatus.Scheduled.IsOpen());
        Assert.Equal(CampaignStatus.Paused, CampaignTransitions.To(CampaignAction.Pause));
        Assert.Equal(CampaignStatus.Running, CampaignTransitions.To(CampaignAction.Resume));
        Assert.Equal(CampaignStatus.Cancelled, CampaignTransitions.To(CampaignAction.Cancel));
        Assert.Equal(CampaignStatus.Scheduled, CampaignTransitions.To(CampaignAction.Reschedule));
        Assert.Equal("RUNNING", CampaignStatus.Running.Stored());
    }
}
