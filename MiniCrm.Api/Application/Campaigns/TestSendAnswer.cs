namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// A test send the vendor took: <c>deliveryId</c> is the vendor's id for it, <c>message</c> what was sent (rendered for
/// <c>customerId</c>), <c>sentTo</c> the address it went to (the customer's, or the one given in <c>to</c>).
/// </summary>
public sealed record TestSendAnswer(Guid DeliveryId, Guid CustomerId, string Message, string SentTo);
