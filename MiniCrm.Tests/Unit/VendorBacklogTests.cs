using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MiniCrm.ServiceDefaults.Operations;
using MiniCrm.VendorSim.Deliveries;
using MiniCrm.VendorSim.Extensions;
using MiniCrm.VendorSim.Receipts;

namespace MiniCrm.Tests.Unit;

/// <summary>
/// The vendor's backlog (deliveries whose receipts the CRM has not taken) is what an orderly stop waits for. A
/// repeated delivery whose receipt is sent again counts in it until that receipt is queued; a request given up while
/// it waited for room in the receipt queue (the Workers' timeout, or the Workers killed) must count nothing.
/// </summary>
[Trait("Category", "Unit")]
public sealed class VendorBacklogTests
{
    [Fact]
    public async Task A_repeated_delivery_whose_request_is_given_up_while_the_receipt_queue_is_full_leaves_nothing_in_the_backlog()
    {
        var options = Options.Create(new VendorOptions { ReceiptQueueCapacity = 1 });
        var receipts = new ReceiptQueue(options);
        await receipts.EnqueueAsync(new PendingReceipts([], 0, default), CancellationToken.None); // full: the CRM is not taking receipts
        var ledger = new DeliveryLedger(options, TimeProvider.System);
        var delivery = Guid.NewGuid();
        Assert.True(ledger.TryBegin(delivery, out _));
        ledger.Record(delivery, DeliveryLedger.Sent); // delivered before: a repeat has its receipt sent again
        var backlog = new VendorBacklog();
        using var givenUp = new CancellationTokenSource();
        var context = new DefaultHttpContext { RequestAborted = givenUp.Token };

        var accepting = DeliveriesApi.Accept(new DeliveryRequest(Guid.NewGuid(), [new Recipient(Guid.NewGuid(), "A", "a@example.com", null, "Hi", delivery)]),
            new DeliveryQueue(options), ledger, receipts, backlog, new RecentMessages(options), new DrainSignal(), TimeProvider.System, options, context);
        Assert.False(accepting.IsCompleted); // waiting for room in the receipt queue
        await givenUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => accepting);
        Assert.Equal(0, backlog.Deliveries);
    }

    /// <summary>
    /// A delivery the CRM sends again (its receipt was late) gets its receipt again with the time it was delivered: the
    /// CRM starts the attribution window there, and a purchase made after the message must not fall before it.
    /// </summary>
    [Fact]
    public void A_receipt_sent_again_says_when_the_message_was_delivered()
    {
        var clock = new SteppingClock(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));
        var ledger = new DeliveryLedger(Options.Create(new VendorOptions()), clock);
        var delivery = Guid.NewGuid();
        Assert.True(ledger.TryBegin(delivery, out _, out _));
        ledger.Record(delivery, DeliveryLedger.Sent);
        var delivered = clock.GetUtcNow();
        clock.Now = clock.Now.AddMinutes(5);

        Assert.False(ledger.TryBegin(delivery, out var outcome, out var at));
        Assert.Equal((DeliveryLedger.Sent, delivered), (outcome, at));
    }

    private sealed class SteppingClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
