using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using MiniCrm.VendorSim.Deliveries;

namespace MiniCrm.VendorSim.Receipts;

/// <summary>
/// Gathers receipts into batches and posts them to the CRM, retrying each batch with backoff while
/// the CRM is unavailable or busy, as a real webhook sender does. A batch continues the trace of
/// the deliveries it reports on (the first as parent, the others as links).
/// </summary>
internal sealed partial class ReceiptSender(
    ReceiptQueue queue, CrmReceiptsClient crm, VendorBacklog backlog, IOptions<VendorOptions> options, ILogger<ReceiptSender> logger) : BackgroundService
{
    private static readonly ActivitySource ActivitySource = new("MiniCrm");

    /// <summary>The most receipts the CRM takes in one call.</summary>
    private const int CrmMaxReceiptsPerRequest = 5_000;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.ReceiptSenders)).Select(_ => SendLoopAsync(stoppingToken)));

    private async Task SendLoopAsync(CancellationToken ct)
    {
        var settings = options.Value;
        while (!ct.IsCancellationRequested)
        {
            var batch = new List<PendingReceipts> { await queue.Reader.ReadAsync(ct) };
            var count = batch[0].Receipts.Count;
            using (var window = new CancellationTokenSource(settings.ReceiptFlushMilliseconds))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, window.Token))
            {
                try
                {
                    while (count < settings.ReceiptBatchSize)
                    {
                        if (!queue.Reader.TryRead(out var next))
                        {
                            next = await queue.Reader.ReadAsync(linked.Token);
                        }

                        batch.Add(next);
                        count += next.Receipts.Count;
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                }
            }

            await SendWithRetriesAsync(batch, ct);
        }
    }

    private async Task SendWithRetriesAsync(List<PendingReceipts> batch, CancellationToken ct)
    {
        var traces = batch.Select(b => b.Trace).Where(t => t != default).Distinct().ToList();
        using var activity = ActivitySource.StartActivity("send receipts", ActivityKind.Internal,
            traces.FirstOrDefault(), links: traces.Skip(1).Take(128).Select(t => new ActivityLink(t)));
        var all = batch.SelectMany(b => b.Receipts).ToList();
        activity?.SetTag("minicrm.receipt.count", all.Count);
        foreach (var chunk in all.Chunk(CrmMaxReceiptsPerRequest))
        {
            await PostWithRetriesAsync(chunk, ct);
        }

        backlog.Reported(batch.Sum(b => b.Deliveries));
    }

    private async Task PostWithRetriesAsync(IReadOnlyList<Receipt> receipts, CancellationToken ct)
    {        for (var attempt = 1; !ct.IsCancellationRequested; attempt++)
        {
            HttpStatusCode? status = null;
            try
            {
                status = await crm.PostAsync(receipts, ct);
                if ((int)status < 300)
                {
                    return;
                }

                if (status is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge)
                {
                    LogRefused(receipts.Count, (int)status);
                    return; // the same request can never succeed
                }
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                // Whatever went wrong, the receipts are kept and sent again: a webhook sender never drops silently.
                LogUnreachable(ex.Message);
            }

            var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 200 * Math.Pow(2, Math.Min(attempt, 8))));
            LogRetrying(receipts.Count, status is null ? "no answer" : ((int)status).ToString(), delay.TotalSeconds);
            await Task.Delay(delay, ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The CRM refused {Count} receipts with {Status}; they are dropped.")]
    private partial void LogRefused(int count, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The CRM is unreachable: {Reason}")]
    private partial void LogUnreachable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrying {Count} receipts ({Status}) in {Seconds:0.#} s.")]
    private partial void LogRetrying(int count, string status, double seconds);
}
