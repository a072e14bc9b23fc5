using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MiniCrm.Bench;

/// <summary>The figures of one run: printed as a table and written as bench/results.json.</summary>
public sealed class BenchResults
{
    private readonly JsonObject _root = new();

    public void Machine(int cores, double memoryGiB, string postgres, bool full)
    {
        _root["machine"] = new JsonObject
        {
            ["cores"] = cores,
            ["memory_gb"] = Math.Round(memoryGiB, 1),
            ["postgres"] = postgres,
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["dotnet"] = Environment.Version.ToString(),
        };
        _root["run"] = new JsonObject { ["full"] = full, ["at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) };
    }

    public void Set(string section, string name, double value)
    {
        var node = _root[section] as JsonObject ?? new JsonObject();
        _root[section] = node;
        node[name] = Math.Round(value, 3);
    }

    public void SetPhase(string phase, double seconds) => SetIn("campaign", "phases", phase, seconds);

    /// <summary>CPU seconds each part of the system spent in a scenario.</summary>
    public void SetCpu(string section, Dictionary<string, double> seconds)
    {
        foreach (var (part, value) in seconds)
        {
            SetIn(section, "cpu_s", part, value);
        }
    }

    private void SetIn(string section, string group, string name, double value)
    {
        var node = _root[section] as JsonObject ?? new JsonObject();
        _root[section] = node;
        var nested = node[group] as JsonObject ?? new JsonObject();
        node[group] = nested;
        nested[name] = Math.Round(value, 1);
    }

    public double Get(string section, string name) => _root[section]?[name]?.GetValue<double>() ?? double.NaN;

    public void Write(string path)
    {
        File.WriteAllText(path, _root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine);
        Console.WriteLine($"Wrote {path}");
    }

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine("| scenario | figure | value |");
        Console.WriteLine("|---|---|---|");
        foreach (var (section, node) in _root)
        {
            if (node is not JsonObject figures)
            {
                continue;
            }

            foreach (var (name, value) in figures)
            {
                var text = value is JsonObject nested
                    ? string.Join(", ", nested.Select(p => $"{p.Key} {p.Value}"))
                    : value?.ToString();
                Console.WriteLine($"| {section} | {name} | {text} |");
            }
        }
    }
}
