using MiniCrm.Core.Messaging;
using MiniCrm.Workers.Campaigns;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class DeliveryMessagesTests
{
    private static readonly Guid Campaign = Guid.CreateVersion7();

    [Fact]
    public void Long_non_latin_messages_are_cut_into_messages_kafka_takes_and_none_is_lost()
    {
        var text = string.Concat(Enumerable.Repeat("नमस्ते ", 300))[..2000]; // 2,000 characters of Devanagari
        var deliveries = Enumerable.Range(0, 500).Select(Delivery(text)).ToList();

        var messages = DeliveryMessages.Build(Campaign, deliveries, maxPerMessage: 500);

        Assert.True(messages.Count > 1, "one message of 500 such deliveries would be several MB");
        Assert.All(messages, m => Assert.InRange(m.Value.Length, 1, MiniCrm.Core.Messaging.MessageJson.MaxMessageBytes));
        var delivered = messages.SelectMany(m => MessageJson.Deserialize<DeliveryRequested>(m.Value).Deliveries).ToList();
        Assert.Equal(deliveries.Select(d => d.DeliveryId), delivered.Select(d => d.DeliveryId));
        Assert.All(delivered, d => Assert.Equal(text, d.Message));
    }

    [Fact]
    public void Short_messages_go_by_count_keyed_by_their_first_customer()
    {
        var deliveries = Enumerable.Range(0, 1_050).Select(Delivery("Hi")).ToList();

        var messages = DeliveryMessages.Build(Campaign, deliveries, maxPerMessage: 500);

        Assert.Equal([500, 500, 50], messages.Select(m => MessageJson.Deserialize<DeliveryRequested>(m.Value).Deliveries.Count));
        Assert.Equal(deliveries[500].CustomerId.ToString(), messages[1].Key);
    }

    [Fact]
    public void A_delivery_id_is_the_same_for_the_same_campaign_and_customer_and_differs_otherwise()
    {
        var customer = Guid.NewGuid();
        Assert.Equal(DeliveryIds.For(Campaign, customer), DeliveryIds.For(Campaign, customer));
        Assert.NotEqual(DeliveryIds.For(Campaign, customer), DeliveryIds.For(Campaign, Guid.NewGuid()));
        Assert.NotEqual(DeliveryIds.For(Campaign, customer), DeliveryIds.For(Guid.NewGuid(), customer));
        Assert.Equal(8, DeliveryIds.For(Campaign, customer).Version);
    }

    private static Func<int, DeliveryItem> Delivery(string message) => i =>
    {
        var customer = Guid.CreateVersion7();
        return new DeliveryItem(DeliveryIds.For(Campaign, customer), customer, $"Customer {i}", $"c{i}@example.com", null, message);
    };
}
