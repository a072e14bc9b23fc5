using System.Diagnostics;

namespace MiniCrm.AppHost.Infrastructure;

/// <summary>How PostgreSQL and Kafka are provided in run mode.</summary>
public enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers, local processes otherwise.</summary>
    Auto,
    /// <summary>PostgreSQL and Kafka containers (needs Docker or Podman).</summary>
    Containers,
    /// <summary>PostgreSQL from the installed server binaries and the in-process Kafka emulator.</summary>
    Local,
}

public static class InfrastructureModeResolver
{
    public const string ConfigurationKey = "Infrastructure:Mode";

    /// <summary>
    /// Publish mode always describes containers. Run mode honours <c>Infrastructure:Mode</c>;
    /// <c>Auto</c> asks the container runtime, which answers (or fails) in well under a second.
    /// </summary>
    public static InfrastructureMode Resolve(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return InfrastructureMode.Containers;
        }

        var configured = builder.Configuration[ConfigurationKey];
        var mode = InfrastructureMode.Auto;
        if (!string.IsNullOrWhiteSpace(configured) && !Enum.TryParse(configured, ignoreCase: true, out mode))
        {
            throw new DistributedApplicationException(
                $"'{ConfigurationKey}' is '{configured}'; use Auto, Containers or Local.");
        }

        return mode == InfrastructureMode.Auto
            ? (ContainerRuntimeAnswers() ? InfrastructureMode.Containers : InfrastructureMode.Local)
            : mode;
    }

    private static bool ContainerRuntimeAnswers()
    {
        var runtime = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") ?? "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // the CLI is not installed
        }
    }
}
