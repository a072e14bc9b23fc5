using System.Net;
using System.Net.Sockets;

namespace MiniCrm.AppHost.Infrastructure.Postgres;

/// <summary>Settings of the Local-mode PostgreSQL server, bound from the <c>LocalPostgres</c> section.</summary>
public sealed class LocalPostgresOptions
{
    public const string SectionName = "LocalPostgres";

    /// <summary>Fixed, so psql and database tools can connect while the system runs.</summary>
    public int Port { get; set; } = 54329;

    /// <summary>Kept between runs; delete it to start from an empty database. Relative paths are under the repository root.</summary>
    public string DataDirectory { get; set; } = ".data/postgres";

    /// <summary>Folder holding <c>postgres</c> and <c>initdb</c>; found automatically when empty.</summary>
    public string? BinDirectory { get; set; }

    /// <summary>Operating-system user that runs the server when the AppHost runs as root (postgres refuses root).</summary>
    public string OsUser { get; set; } = "postgres";

    /// <summary>Server settings passed as <c>-c name=value</c>; tuned for a developer machine, not for durability.</summary>
    public Dictionary<string, string> Settings { get; set; } = new()
    {
        ["listen_addresses"] = "127.0.0.1",
        ["max_connections"] = "200",
        ["shared_buffers"] = "512MB",
        ["work_mem"] = "32MB",
        ["maintenance_work_mem"] = "256MB",
        ["synchronous_commit"] = "off",
        ["max_wal_size"] = "4GB",
        ["checkpoint_timeout"] = "15min",
        // Segment counts over a million rows cross the JIT threshold; compiling costs more than it saves here.
        ["jit"] = "off",
    };

    internal string ResolvedDataDirectory(string repositoryRoot) =>
        Path.GetFullPath(Path.IsPathRooted(DataDirectory) ? DataDirectory : Path.Combine(repositoryRoot, DataDirectory));

    /// <summary>The folder with the server binaries, or null when none is installed.</summary>
    internal string? FindBinDirectory()
    {
        static bool HasServer(string dir) =>
            File.Exists(Path.Combine(dir, "postgres")) && File.Exists(Path.Combine(dir, "initdb"));

        if (!string.IsNullOrWhiteSpace(BinDirectory))
        {
            return HasServer(BinDirectory) ? BinDirectory : null;
        }

        // Debian/Ubuntu keep server binaries out of PATH, one folder per major version: take the newest.
        var candidates = new List<string>();
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        candidates.AddRange(["/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"]);
        return candidates.FirstOrDefault(HasServer);
    }

    /// <summary>
    /// Problems that would stop the server from starting, each naming its fix. Cheap and
    /// deterministic: run before anything is started so a wrong setup fails at once, not by a hang.
    /// </summary>
    internal IReadOnlyList<string> Preflight(bool runningAsRoot, Func<string, bool> osUserExists)
    {
        var problems = new List<string>();
        if (FindBinDirectory() is null)
        {
            problems.Add(string.IsNullOrWhiteSpace(BinDirectory)
                ? "PostgreSQL server binaries (postgres, initdb) were not found in /usr/lib/postgresql/*/bin or on PATH. " +
                  "Install them (Debian/Ubuntu: 'apt-get install -y postgresql'), or set LocalPostgres:BinDirectory to the folder that holds them, " +
                  "or run with containers (Infrastructure:Mode=Containers)."
                : $"LocalPostgres:BinDirectory is '{BinDirectory}', but it holds no 'postgres' and 'initdb'. " +
                  "Point it at the server's bin folder (for example /usr/lib/postgresql/15/bin), or remove the setting to search automatically.");
        }

        if (runningAsRoot && !osUserExists(OsUser))
        {
            problems.Add($"PostgreSQL refuses to run as root and the user '{OsUser}' does not exist. " +
                         $"Create it ('useradd --system {OsUser}'), install the postgresql package (it creates one), or set LocalPostgres:OsUser to an existing user.");
        }

        if (Port is < 1 or > 65535)
        {
            problems.Add($"LocalPostgres:Port is {Port}; use a port between 1 and 65535.");
        }
        else if (!PortIsFree(Port))
        {
            problems.Add($"Port {Port} on 127.0.0.1 is already in use, so the local PostgreSQL cannot listen on it. " +
                         $"Stop whatever holds it ('ss -ltnp | grep :{Port}' shows it), or choose another port: " +
                         $"dotnet run --project MiniCrm.AppHost -- --LocalPostgres:Port=55432");
        }

        return problems;
    }

    internal static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
