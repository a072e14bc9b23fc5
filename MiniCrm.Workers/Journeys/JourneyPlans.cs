using System.Collections.Concurrent;
using MiniCrm.Core.Journeys;
using MiniCrm.Core.Segments;
using Npgsql;

namespace MiniCrm.Workers.Journeys;

/// <summary>A journey version customers can enter or are in: its plan, read once (versions never change).</summary>
public sealed record LiveJourney(Guid Id, string Name, int Version, JourneyPlan Plan, string CreatedBy = "system");

/// <summary>
/// Journey versions, parsed once and kept: a version is never changed after it is saved, so the cache never goes stale.
/// A stored version that no longer parses (written by hand, or by an older MiniCRM) is logged and left alone.
/// </summary>
public sealed partial class JourneyPlans(ILogger<JourneyPlans> logger)
{
    private readonly ConcurrentDictionary<(Guid, int), LiveJourney?> _versions = new();

    /// <summary>The live versions of the journeys with a trigger in <paramref name="kinds"/> that customers can enter now.</summary>
    public async Task<List<LiveJourney>> LiveAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, JourneyTriggerKind[] kinds, CancellationToken ct)
    {
        var live = new List<LiveJourney>();
        await using var find = new NpgsqlCommand(JourneySql.Live, connection, transaction);
        find.Parameters.Add(new NpgsqlParameter<string[]>("kinds", [.. kinds.Select(JourneyPlan.Upper)]));
        await using var reader = await find.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (Parse(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3)) is { } journey)
            {
                live.Add(journey);
            }
        }

        return live;
    }

    /// <summary>One version (for customers inside it), read from the database the first time.</summary>
    public async Task<LiveJourney?> VersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid journey, int version, CancellationToken ct)
    {
        if (_versions.TryGetValue((journey, version), out var known))
        {
            return known;
        }

        await using var find = new NpgsqlCommand(
            "SELECT j.name, v.definition::text, v.created_by FROM journey_versions v JOIN journeys j ON j.id = v.journey_id WHERE v.journey_id = @journey AND v.version = @version",
            connection, transaction);
        find.Parameters.Add(new NpgsqlParameter<Guid>("journey", journey));
        find.Parameters.Add(new NpgsqlParameter<int>("version", version));
        await using var reader = await find.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Parse(journey, reader.GetString(0), version, reader.GetString(1), reader.GetString(2)) : null;
    }

    private LiveJourney? Parse(Guid id, string name, int version, string json, string createdBy = "system") =>
        _versions.GetOrAdd((id, version), _ =>
        {
            var errors = new List<FieldError>();
            var plan = JourneyPlan.Parse(JourneyPlan.FromJson(json), errors);
            if (plan is null)
            {
                LogUnreadable(name, id, version, string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
                return null;
            }

            return new LiveJourney(id, name, version, plan, createdBy);
        }) is { } found ? found with { Name = name } : null;

    [LoggerMessage(Level = LogLevel.Error, Message = "Journey '{Name}' ({JourneyId}) version {Version} cannot be read and is skipped: {Reason}")]
    private partial void LogUnreadable(string name, Guid journeyId, int version, string reason);
}
