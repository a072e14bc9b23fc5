namespace MiniCrm.Core.Journeys;

/// <summary>DRAFT → ACTIVE ⇄ PAUSED → STOPPED (from any of the first three). Stopped is for good: copy it to start again.</summary>
public enum JourneyStatus { Draft, Active, Paused, Stopped }

public enum JourneyAction { Activate, Pause, Resume, Stop, Edit }

/// <summary>The journey's status machine in one table: the Api's guarded UPDATE reads it, the page shows only the buttons it allows.</summary>
public static class JourneyTransitions
{
    private static readonly Dictionary<JourneyAction, (JourneyStatus[] From, JourneyStatus To)> Table = new()
    {
        [JourneyAction.Activate] = ([JourneyStatus.Draft], JourneyStatus.Active),
        [JourneyAction.Pause] = ([JourneyStatus.Active], JourneyStatus.Paused),
        [JourneyAction.Resume] = ([JourneyStatus.Paused], JourneyStatus.Active),
        [JourneyAction.Stop] = ([JourneyStatus.Draft, JourneyStatus.Active, JourneyStatus.Paused], JourneyStatus.Stopped),
        [JourneyAction.Edit] = ([JourneyStatus.Draft, JourneyStatus.Active, JourneyStatus.Paused], JourneyStatus.Draft),
    };

    public static IReadOnlyList<JourneyStatus> From(JourneyAction action) => Table[action].From;

    /// <summary>The status <paramref name="action"/> leads to (an edit keeps the status).</summary>
    public static JourneyStatus To(JourneyAction action) => Table[action].To;

    public static bool Allows(this JourneyStatus status, JourneyAction action) => Table[action].From.Contains(status);

    public static string Stored(this JourneyStatus status) => status.ToString().ToUpperInvariant();

    public static JourneyStatus Parse(string stored) => Enum.Parse<JourneyStatus>(stored, ignoreCase: true);
}
