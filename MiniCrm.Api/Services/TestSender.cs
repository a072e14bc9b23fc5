using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Consent;

namespace MiniCrm.Api.Services;

/// <summary>What became of a test send: the message as rendered, and the vendor's answer.</summary>
public sealed record TestSendResult(Guid DeliveryId, Guid CustomerId, string Message, HttpStatusCode VendorStatus);

/// <summary>
/// Sends one campaign message, rendered for one customer as a campaign would render it (unsubscribe link
/// included), straight to the vendor, without a campaign: to check the personalisation before a real
/// send. It goes under one fixed campaign id of its own, so its receipt changes no campaign.
/// </summary>
public sealed class TestSender(HttpClient vendor, IOptions<ConsentOptions> consent)
{
    /// <summary>The campaign id test sends go under; no campaign has it.</summary>
    public static readonly Guid TestCampaign = new("00000000-0000-7000-8000-000000000001");

    public async Task<TestSendResult> SendAsync(MessageTemplate template, Customer customer, CancellationToken ct)
    {
        var link = template.HasUnsubscribeLink ? UnsubscribeLinks.Url(consent.Value.PublicBaseUrl, customer.Id, consent.Value.LinkSigningKey) : "";
        var message = template.Render(customer.Name, customer.Email, customer.City, customer.Phone, link);
        var deliveryId = Guid.CreateVersion7();
        using var response = await vendor.PostAsJsonAsync("/deliveries", new
        {
            campaignId = TestCampaign,
            deliveries = new[] { new { deliveryId, customerId = customer.Id, name = customer.Name, email = customer.Email, phone = customer.Phone, message } },
        }, ct);
        return new TestSendResult(deliveryId, customer.Id, message, response.StatusCode);
    }
}
