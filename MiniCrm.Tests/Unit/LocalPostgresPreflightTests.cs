using System.Net;
using System.Net.Sockets;
using MiniCrm.AppHost.Infrastructure.Postgres;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class LocalPostgresPreflightTests
{
    [Fact]
    public void Missing_binaries_name_the_setting_to_fix()
    {
        var options = new LocalPostgresOptions { BinDirectory = "/nonexistent/pg/bin", Port = FreePort() };

        var problem = Assert.Single(options.Preflight(runningAsRoot: false, _ => true));
        Assert.Contains("LocalPostgres:BinDirectory", problem);
        Assert.Contains("/nonexistent/pg/bin", problem);
    }

    [Fact]
    public void A_port_in_use_names_the_port_and_how_to_choose_another()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var options = new LocalPostgresOptions { Port = port };

        var problems = options.Preflight(runningAsRoot: false, _ => true);
        var problem = Assert.Single(problems, p => p.Contains($"Port {port}"));
        Assert.Contains("LocalPostgres:Port", problem);
    }

    [Fact]
    public void Root_without_the_server_user_is_told_how_to_create_it()
    {
        var settings = new LocalPostgresOptions { Port = FreePort(), OsUser = "nobody-here" };

        var problems = settings.Preflight(runningAsRoot: true, _ => false);
        Assert.Contains(problems, p => p.Contains("useradd") && p.Contains("nobody-here"));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
