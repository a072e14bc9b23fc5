namespace MiniCrm.Api.Application.Idempotency;

/// <summary>
/// The request ran so long (over a minute) that a repeat with the same Idempotency-Key claimed it: this request's answer
/// is not recorded and what it created is rolled back, so the repeat's is the only one (answered as a 409).
/// </summary>
public sealed class IdempotencyClaimLostException() : Exception("A repeat of this request, with the same Idempotency-Key, took it over while it ran.");
