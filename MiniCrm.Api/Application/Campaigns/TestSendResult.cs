using System.Net;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>What became of a test send: the message as rendered, and the vendor's answer.</summary>
public sealed record TestSendResult(Guid DeliveryId, Guid CustomerId, string Message, HttpStatusCode VendorStatus);
