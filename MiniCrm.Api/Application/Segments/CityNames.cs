using Npgsql;

namespace MiniCrm.Api.Application.Segments;

/// <summary>
/// The cities the customers live in (lower case, the 5,000 most common), for reading audiences from words: a word
/// before "customers" is a city only if someone lives there. Read once every five minutes, at most, when asked.
/// </summary>
public sealed class CityNames(NpgsqlDataSource database, TimeProvider clock)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim _reading = new(1, 1);
    private (IReadOnlySet<string> Cities, DateTimeOffset At)? _known;

    public async Task<IReadOnlySet<string>> GetAsync(CancellationToken ct)
    {
        if (_known is { } known && clock.GetUtcNow() - known.At < Fresh)
        {
            return known.Cities;
        }

        await _reading.WaitAsync(ct);
        try
        {
            if (_known is { } again && clock.GetUtcNow() - again.At < Fresh)
            {
                return again.Cities;
            }

            await using var command = database.CreateCommand(
                "SELECT lower(city) FROM customers WHERE city IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 5000");
            var cities = new HashSet<string>(StringComparer.Ordinal);
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    cities.Add(reader.GetString(0).Trim());
                }
            }

            _known = (cities, clock.GetUtcNow());
            return cities;
        }
        finally
        {
            _reading.Release();
        }
    }
}
