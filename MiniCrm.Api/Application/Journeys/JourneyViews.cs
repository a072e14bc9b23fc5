using MiniCrm.Core.Journeys;

namespace MiniCrm.Api.Application.Journeys;

/// <summary>
/// A journey with its counts. Entered counts every entry (a customer who entered again counts again); the others count
/// customers by their latest entry: inside now, left (completed the steps, left at an exit step, met the goal, or stopped).
/// Messages are those of the journey's campaigns (one per send step and chunk of customers), as receipts settle them;
/// not messaged counts customers a send step skipped (unsubscribed, at the frequency cap, or by smart sending where the step asks). Conversions and revenue are
/// the messaged customers' orders within each message's attribution window (the campaigns' definition); held-out
/// conversions the same for the messages held back from held-out customers, so the two rates compare (per message).
/// Trigger is the trigger in words; Audience the audience's rules in words, for the triggers that have one.
/// </summary>
public sealed record JourneyView(
    Guid Id, string Name, string Status, int Version, int? LiveVersion, string TriggerKind, string Trigger, string? Audience,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ActivatedAt, JourneyCounts Counts);

public sealed record JourneyCounts(
    long Entered, long Inside, long Completed, long ExitedAtStep, long GoalMet, long Stopped,
    long MessagesSent, long MessagesFailed, long MessagesPending, long HeldOut, long NotMessaged, long Conversions, decimal Revenue, long HeldOutConversions)
{
    /// <summary>Of the messages SENT, the share followed by an order of their customer within the attribution window.</summary>
    public double? ConversionRate => MessagesSent > 0 ? (double)Conversions / MessagesSent : null;

    /// <summary>Of the messages held back from held-out customers, the share followed by an order within the window.</summary>
    public double? HeldOutConversionRate => HeldOut > 0 ? (double)HeldOutConversions / HeldOut : null;

    public long Left => Completed + ExitedAtStep + GoalMet + Stopped;
}

/// <summary>
/// A journey with its definition, its steps as the builder shows them (with who is in each now), and its versions.
/// <c>shownVersion</c> is the version the definition and the steps' counts are of: the latest, unless another was asked
/// for (<c>?version=</c>, to read what an earlier version said); <c>inOlderVersions</c> counts the customers inside who
/// entered a version before the latest.
/// </summary>
public sealed record JourneyDetail(
    JourneyView Journey, JourneyDefinition Definition, IReadOnlyList<JourneyStepView> Steps, long InOlderVersions,
    IReadOnlyList<JourneyVersionView> Versions, IReadOnlyList<JourneyHistoryEntry> History, int ShownVersion);

/// <summary>
/// One step of the latest version, top to bottom: its id ("3.yes.1"), type, words, how deep it is in branches, the path
/// it is on ("yes", "no", "path b"), the customers waiting in it now (a wait), and for a send step its messages SENT,
/// their conversions and revenue (as the journey's, for this step's messages only: a split's paths compare).
/// </summary>
public sealed record JourneyStepView(string Id, string Type, string Description, int Depth, string? Path, long InStepNow, long Sent, long Conversions, decimal Revenue, string? Message)
{
    /// <summary>Of this step's messages SENT, the share followed by an order within the attribution window.</summary>
    public double? ConversionRate => Sent > 0 ? (double)Conversions / Sent : null;
}

/// <summary>A send step's messages SENT and what they led to.</summary>
internal sealed record StepOutcome(long Sent, long Conversions, decimal Revenue)
{
    public static readonly StepOutcome Nothing = new(0, 0, 0m);
}

public sealed record JourneyVersionView(int Version, string CreatedBy, DateTimeOffset CreatedAt, bool Live);

/// <summary>Who changed what, from the audit trail.</summary>
public sealed record JourneyHistoryEntry(DateTimeOffset At, string Who, string Action, string? Detail);

/// <summary>How many customers would have entered in the last 30 days, and how that was counted.</summary>
public sealed record JourneyDryRun(long WouldHaveEntered, string Explanation);
