using Microsoft.Extensions.Options;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Consent;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// Sends one campaign message, rendered for one customer as a campaign would render it (unsubscribe link
/// included), straight to the vendor, without a campaign: to check the personalisation before a real
/// send. It goes to the customer, or to a marketer's own address (<see cref="TestRecipient"/>: then its unsubscribe
/// link is the test link, which unsubscribes no one). It goes under one fixed campaign id of its own, so its receipt
/// changes no campaign; a delivery id given by the caller (from an Idempotency-Key) lets the vendor drop a repeat.
/// </summary>
public sealed class TestSender(HttpClient vendor, IOptions<ConsentOptions> consent)
{
    /// <summary>The campaign id test sends go under; no campaign has it.</summary>
    public static readonly Guid TestCampaign = new("00000000-0000-7000-8000-000000000001");

    public async Task<TestSendResult> SendAsync(MessageTemplate template, Customer customer, TestRecipient? to, Guid? deliveryId, CancellationToken ct)
    {
        var link = !template.HasUnsubscribeLink ? ""
            : to is null ? UnsubscribeLinks.Url(consent.Value.PublicBaseUrl, customer.Id, consent.Value.LinkSigningKey)
            : UnsubscribeLinks.TestUrl(consent.Value.PublicBaseUrl);
        var message = template.Render(customer.Name, customer.Email, customer.City, customer.Phone, link);
        var id = deliveryId ?? Guid.CreateVersion7();
        using var response = await vendor.PostAsJsonAsync("/deliveries", new
        {
            campaignId = TestCampaign,
            deliveries = new[]
            {
                new { deliveryId = id, customerId = customer.Id, name = customer.Name, email = to is null ? customer.Email : to.Email, phone = to is null ? customer.Phone : to.Phone, message },
            },
        }, ct);
        return new TestSendResult(id, customer.Id, message, response.StatusCode);
    }
}
