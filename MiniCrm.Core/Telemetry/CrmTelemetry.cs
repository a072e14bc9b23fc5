using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MiniCrm.Core.Telemetry;

/// <summary>The CRM's own ActivitySource and Meter (ServiceDefaults subscribes to this name in every service).</summary>
public static class CrmTelemetry
{
    public const string Name = "MiniCrm";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);
}
