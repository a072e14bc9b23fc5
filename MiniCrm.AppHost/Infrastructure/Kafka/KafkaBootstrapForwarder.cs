using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace MiniCrm.AppHost.Infrastructure.Kafka;

/// <summary>
/// A fixed, documented address for the emulator (<c>KafkaEmulator:Port</c>, 9092 by default), whose
/// own brokers listen on ports the operating system picks. Tools such as kcat and Kafka UIs bootstrap
/// here: the connection is forwarded to a broker, whose metadata answer names the brokers' own
/// loopback addresses, and the tool talks to those directly. So the forwarder carries only bootstrap
/// traffic; the services keep the direct address and pay nothing for it.
/// </summary>
internal sealed class KafkaBootstrapForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly DnsEndPoint _broker;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _connections = [];
    private readonly Task _accepting;

    private KafkaBootstrapForwarder(TcpListener listener, DnsEndPoint broker, ILogger log)
    {
        _listener = listener;
        _broker = broker;
        _log = log;
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <returns>null when the port is taken (another Kafka, another AppHost): the emulator works without it.</returns>
    public static KafkaBootstrapForwarder? TryStart(int port, string bootstrapServers, ILogger log)
    {
        var first = bootstrapServers.Split(',')[0];
        var separator = first.LastIndexOf(':');
        var broker = new DnsEndPoint(first[..separator], int.Parse(first[(separator + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            log.LogWarning("Port {Port} is in use ({Reason}); tools must use the emulator's own address {Bootstrap}. Set KafkaEmulator:Port to another port.",
                port, ex.SocketErrorCode, bootstrapServers);
            listener.Dispose();
            return null;
        }

        return new KafkaBootstrapForwarder(listener, broker, log);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var connection = ForwardAsync(client);
            lock (_gate)
            {
                _connections.Add(connection);
            }

            _ = connection.ContinueWith(done =>
            {
                lock (_gate)
                {
                    _connections.Remove(done);
                }
            }, TaskScheduler.Default);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_broker.Host, _broker.Port, _stop.Token);
                using var ended = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var toBroker = client.GetStream().CopyToAsync(upstream.GetStream(), ended.Token);
                var toClient = upstream.GetStream().CopyToAsync(client.GetStream(), ended.Token);
                await Task.WhenAny(toBroker, toClient);
                await ended.CancelAsync();
                await Task.WhenAll(toBroker, toClient).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
            {
                // The broker is down or a side hung up: the tool sees a closed connection and retries, as with a real broker.
                _log.LogDebug("A forwarded Kafka connection ended: {Reason}", ex.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] open;
        lock (_gate)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open);
        _listener.Dispose();
        _stop.Dispose();
    }
}
