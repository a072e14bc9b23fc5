using System.ComponentModel;
using MiniCrm.Core.Segments;

namespace MiniCrm.Core.Journeys;

/// <summary>
/// A journey as requests and stored versions carry it: what starts it, who may enter again, the goal that takes a customer
/// out, the time zone its times of day are in, an optional held-out share, and its steps from top to bottom.
/// <see cref="JourneyPlan.Parse"/> checks it and names every problem by its path.
/// </summary>
public sealed record JourneyDefinition(
    [property: Description("what starts the journey for a customer")] JourneyTriggerNode? Trigger = null,
    [property: Description("the steps, top to bottom; a branch or a split holds steps of its own")] IReadOnlyList<JourneyStepNode?>? Steps = null,
    [property: Description("ONCE (default): a customer enters at most once ever; AGAIN_AFTER: again, reentryDays after their last entry, once they have left")] string? Entry = null,
    [property: Description("with entry AGAIN_AFTER: days between two entries of one customer (1-365)")] int? ReentryDays = null,
    [property: Description("ORDER_PLACED: a customer who places an order after entering leaves the journey at once (goal met); null for none")] string? Goal = null,
    [property: Description("IANA time zone of the journey's times of day (default UTC)")] string? TimeZone = null,
    [property: Description("0-50: the share of entering customers held out (they go through the steps but are sent nothing), for lift")] int? HoldoutPercent = null);

/// <summary>What starts a journey for a customer.</summary>
public sealed record JourneyTriggerNode(
    [property: Description("CUSTOMER_CREATED, ORDER_PLACED, AUDIENCE_ENTERED, INACTIVE (no completed order for days), or AUDIENCE_NOW (everyone in the audience when the journey is activated)")] string? Kind = null,
    [property: Description("AUDIENCE_ENTERED, AUDIENCE_NOW: a saved audience (its rules are copied into the version)")] Guid? SegmentId = null,
    [property: Description("AUDIENCE_ENTERED, AUDIENCE_NOW: rules, when no saved audience is named")] RuleNode? Rules = null,
    [property: Description("ORDER_PLACED: only a customer's first order")] bool? FirstOrder = null,
    [property: Description("ORDER_PLACED: only orders of at least this amount")] decimal? MinAmount = null,
    [property: Description("ORDER_PLACED: only when an order reaches this status (PENDING, COMPLETED, ...); default any new order")] string? Status = null,
    [property: Description("INACTIVE: days since the customer's last completed order (1-3650)")] int? Days = null);

/// <summary>One step: WAIT, SEND, BRANCH, SPLIT or EXIT.</summary>
public sealed record JourneyStepNode(
    [property: Description("WAIT, SEND, BRANCH, SPLIT or EXIT")] string? Type = null,
    [property: Description("WAIT: how many units")] int? Amount = null,
    [property: Description("WAIT: SECONDS, MINUTES, HOURS or DAYS")] string? Unit = null,
    [property: Description("WAIT: until this time of day (HH:mm) in the journey's time zone, instead of a duration")] string? UntilTime = null,
    [property: Description("SEND: the message template ({{name}}, {{unsubscribe_url}}, ...)")] string? Message = null,
    [property: Description("SEND: true to skip customers messaged within smart sending's window (counted as not messaged); default false")] bool? SmartSending = null,
    [property: Description("BRANCH: the rules a customer must match to take the yes path")] RuleNode? Rules = null,
    [property: Description("BRANCH: true to take the yes path when the customer ordered since entering the journey")] bool? OrderedSinceEntry = null,
    [property: Description("BRANCH: the steps when the condition holds")] IReadOnlyList<JourneyStepNode?>? Yes = null,
    [property: Description("BRANCH: the steps when it does not")] IReadOnlyList<JourneyStepNode?>? No = null,
    [property: Description("SPLIT: the paths with their shares (percent, adding up to 100)")] IReadOnlyList<JourneySplitPathNode?>? Paths = null,
    [property: Description("a label for the step (optional)")] string? Label = null);

/// <summary>One path of a random split.</summary>
public sealed record JourneySplitPathNode(
    [property: Description("percent of the customers who reach the split (1-99)")] int? Share = null,
    [property: Description("the path's steps")] IReadOnlyList<JourneyStepNode?>? Steps = null);
