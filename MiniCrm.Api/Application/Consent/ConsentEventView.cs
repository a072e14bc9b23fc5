namespace MiniCrm.Api.Application.Consent;

/// <summary>One change of a customer's consent: UNSUBSCRIBED or RESUBSCRIBED, how ("link" or "marketer"), by whom, when.</summary>
public sealed record ConsentEventView(string Change, string Via, string? ByUser, string? ByName, DateTimeOffset At);
