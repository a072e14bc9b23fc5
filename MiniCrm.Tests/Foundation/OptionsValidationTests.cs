using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Foundation;

/// <summary>
/// Every service binds its options to typed classes and validates them when it starts: a value out
/// of range stops the service at once, naming the setting, instead of misbehaving later. Each service
/// is started as its own process, as the AppHost starts it.
/// </summary>
public sealed class OptionsValidationTests
{
    public static TheoryData<string, string, string, string> OutOfRange => new()
    {
        { "MiniCrm.Workers", "Dispatch__StepSize", "0", "StepSize" },
        { "MiniCrm.Workers", "Reconcile__MaxAttempts", "0", "MaxAttempts" },
        { "MiniCrm.Workers", "Delivery__MaxConcurrentRequests", "100000", "MaxConcurrentRequests" },
        { "MiniCrm.Workers", "Consumers__minicrm-customers__MaxBatchSize", "0", "MaxBatchSize" },
        { "MiniCrm.Api", "Ingestion__MaxPartitionLag", "0", "MaxPartitionLag" },
        { "MiniCrm.Api", "Receipts__ToleranceSeconds", "-5", "ToleranceSeconds" },
        { "MiniCrm.Api", "AI__Provider", "gpt", "AI:Provider 'gpt'" },
        { "MiniCrm.Workers", "AI__TimeoutSeconds", "0", "TimeoutSeconds" },
        { "MiniCrm.VendorSim", "Vendor__FailureRate", "1.5", "FailureRate" },
        { "MiniCrm.Ingest", "Ingest__BatchSize", "6000", "BatchSize" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task A_setting_out_of_range_stops_the_service_at_start_and_names_the_setting(string project, string variable, string value, string member)
    {
        var (exitCode, output) = await CommandLine.RunAsync(
            "dotnet", ["run", "--project", project, "--no-build", "--no-launch-profile"], TimeSpan.FromSeconds(90), TerminalAppHost.RepositoryRoot,
            new Dictionary<string, string>
            {
                ["DOTNET_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                // Nothing listens here: validation comes before any connection is made.
                ["ConnectionStrings__crmdb"] = "Host=127.0.0.1;Port=1;Database=crmdb;Username=postgres;Password=x",
                ["ConnectionStrings__kafka"] = "127.0.0.1:1",
                [variable] = value,
            });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("OptionsValidationException", output);
        Assert.Contains(member, output);
    }
}
