using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>A message to render for one customer and send, to them or to someone of the team, without a campaign.</summary>
public sealed record TestSendRequest(
    [property: Required, Description("the message, as for a campaign")] string? Message = null,
    [property: Required, Description("the customer to render it for")] Guid? CustomerId = null,
    [property: Description("optional: where the test goes instead: a MiniCrm user's sign-in address or saved phone")] TestRecipient? To = null);
