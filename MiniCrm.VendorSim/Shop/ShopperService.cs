using System.Net;
using System.Net.Http.Json;

namespace MiniCrm.VendorSim.Shop;

/// <summary>
/// Sends the shoppers' purchases to the CRM as a shop would: <c>POST /api/orders</c> with the ingestion key, a COMPLETED
/// order per purchase, its id made from the campaign and the customer (so a purchase sent twice is one order). What the
/// CRM does not take (503 while it catches up, or away) goes again a second later.
/// </summary>
internal sealed partial class ShopperService(Shoppers shoppers, IHttpClientFactory clients, ILogger<ShopperService> logger) : BackgroundService
{
    public const string Client = "crm-orders";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var due = shoppers.TakeDue(5_000);
            if (due.Count == 0)
            {
                continue;
            }

            var orders = due.Select(p => new
            {
                orderId = $"shop-{p.CampaignId:N}-{p.CustomerId:N}",
                customerId = p.CustomerId,
                amount = p.Amount,
                status = "COMPLETED",
                orderDate = p.At,
                items = new[] { new { name = "Bought after a message", quantity = 1, unitPrice = p.Amount } },
            }).ToArray();
            try
            {
                using var response = await clients.CreateClient(Client).PostAsJsonAsync("/api/orders", orders, stoppingToken);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    shoppers.PutBack(due);
                    LogRefused(logger, (int)response.StatusCode, due.Count);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                shoppers.PutBack(due);
                LogAway(logger, ex.Message, due.Count);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The CRM answered {Status} to {Count} purchases; they go again")]
    private static partial void LogRefused(ILogger logger, int status, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The CRM did not answer ({Reason}); {Count} purchases go again")]
    private static partial void LogAway(ILogger logger, string reason, int count);
}
