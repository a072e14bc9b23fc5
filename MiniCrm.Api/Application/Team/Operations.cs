namespace MiniCrm.Api.Application.Team;

/// <summary>
/// Who may do what, in one table: the application services check these (so a page and an endpoint cannot disagree),
/// pages read them to show only what the user may do, and the README's "Who may call what" lists the same. Reading is
/// open to every role (an Analyst reads everything on screen); what is not read-only is here.
/// </summary>
public static class Operations
{
    // Audiences
    public static readonly Operation CreateSegment = new("segment.create", Role.Marketer, "Saving an audience", "segment");
    public static readonly Operation UpdateSegment = new("segment.update", Role.Marketer, "Changing a saved audience", "segment");
    public static readonly Operation DeleteSegment = new("segment.delete", Role.Marketer, "Deleting a saved audience", "segment");

    // Campaigns
    public static readonly Operation LaunchCampaign = new("campaign.launch", Role.Marketer, "Launching a campaign", "campaign");
    public static readonly Operation CheckCampaign = new("campaign.check", Role.Marketer, "Checking a campaign before launch", "campaign", Audited: false);
    public static readonly Operation EditCampaign = new("campaign.edit", Role.Marketer, "Changing a scheduled campaign", "campaign");
    public static readonly Operation RescheduleCampaign = new("campaign.reschedule", Role.Marketer, "Moving a scheduled campaign", "campaign");
    public static readonly Operation PauseCampaign = new("campaign.pause", Role.Marketer, "Pausing a campaign", "campaign");
    public static readonly Operation ResumeCampaign = new("campaign.resume", Role.Marketer, "Resuming a campaign", "campaign");
    public static readonly Operation CancelCampaign = new("campaign.cancel", Role.Marketer, "Cancelling a campaign", "campaign");
    public static readonly Operation TestSend = new("campaign.test_send", Role.Marketer, "Sending a test message", "customer");
    public static readonly Operation ExportCampaignLog = new("campaign.log_export", Role.Marketer, "Downloading a campaign's log (personal data)", "campaign");
    public static readonly Operation CreateDraft = new("draft.create", Role.Marketer, "Keeping a campaign draft", "draft");
    public static readonly Operation UpdateDraft = new("draft.update", Role.Marketer, "Changing a campaign draft", "draft", RecordedOncePer: TimeSpan.FromMinutes(10));
    public static readonly Operation DeleteDraft = new("draft.delete", Role.Marketer, "Throwing a draft away", "draft");
    public static readonly Operation SuggestMessages = new("ai.messages", Role.Marketer, "Asking for message suggestions", Audited: false);

    // Journeys
    public static readonly Operation CreateJourney = new("journey.create", Role.Marketer, "Creating a journey", "journey");
    public static readonly Operation EditJourney = new("journey.edit", Role.Marketer, "Changing a journey (a new version)", "journey");
    public static readonly Operation DryRunJourney = new("journey.dry_run", Role.Analyst, "Trying a journey against the last 30 days", Audited: false);
    public static readonly Operation ActivateJourney = new("journey.activate", Role.Marketer, "Activating a journey", "journey");
    public static readonly Operation PauseJourney = new("journey.pause", Role.Marketer, "Pausing a journey", "journey");
    public static readonly Operation ResumeJourney = new("journey.resume", Role.Marketer, "Resuming a journey", "journey");
    public static readonly Operation StopJourney = new("journey.stop", Role.Marketer, "Stopping a journey", "journey");
    public static readonly Operation DeleteJourney = new("journey.delete", Role.Marketer, "Deleting a draft journey", "journey");

    // Customers and data
    public static readonly Operation Unsubscribe = new("customer.unsubscribe", Role.Marketer, "Unsubscribing a customer", "customer");
    public static readonly Operation Resubscribe = new("customer.resubscribe", Role.Marketer, "Resubscribing a customer", "customer");
    public static readonly Operation ExportOrders = new("orders.export", Role.Marketer, "Downloading orders (personal data)", "customer");
    public static readonly Operation StartImport = new("import.start", Role.Marketer, "Importing customers or orders", "import");

    // The team
    public static readonly Operation ReadTeam = new("team.read", Role.Admin, "Seeing the team", Audited: false);
    public static readonly Operation AddMember = new("team.add", Role.Admin, "Adding a team member", "user");
    public static readonly Operation ChangeRole = new("team.role", Role.Admin, "Changing a team member's role", "user");
    public static readonly Operation EndSessions = new("team.sign_out", Role.Admin, "Signing a team member out everywhere", "user");
    public static readonly Operation RemoveMember = new("team.remove", Role.Admin, "Removing a team member", "user");
    public static readonly Operation RestoreMember = new("team.restore", Role.Admin, "Adding a removed team member back", "user");
    public static readonly Operation ReadAudit = new("audit.read", Role.Admin, "Reading the audit trail", Audited: false);
    public static readonly Operation ExportAudit = new("audit.export", Role.Admin, "Downloading the audit trail");

    // Every role, about themselves
    public static readonly Operation SignIn = new("user.sign_in", Role.Analyst, "Signing in", "user");
    public static readonly Operation SignOut = new("user.sign_out", Role.Analyst, "Signing out", "user");
    public static readonly Operation SetOwnPhone = new("user.phone", Role.Analyst, "Setting your own phone", "user");

    /// <summary>Every operation above, in the order written (declared last, so the fields above are set when it is read).</summary>
    public static readonly IReadOnlyList<Operation> All =
        [.. typeof(Operations).GetFields().Where(f => f.FieldType == typeof(Operation)).Select(f => (Operation)f.GetValue(null)!)];

    /// <summary>An operation by its action name ("campaign.cancel"), as the audit trail stores it.</summary>
    public static readonly IReadOnlyDictionary<string, Operation> ByAction = All.ToDictionary(o => o.Action, StringComparer.Ordinal);
}
