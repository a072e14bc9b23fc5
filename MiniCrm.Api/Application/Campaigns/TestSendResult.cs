using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Consent;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>What became of a test send: the message as rendered, and the vendor's answer.</summary>
public sealed record TestSendResult(Guid DeliveryId, Guid CustomerId, string Message, HttpStatusCode VendorStatus);
