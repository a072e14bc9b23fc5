using System.Text.Json;
using MiniCrm.Core.Messaging;

namespace MiniCrm.Api.Application.Idempotency;

public sealed record IdempotencyClaim(ClaimState State, int Status = 0, string? Response = null)
{
    public T? Answer<T>() => Response is null ? default : JsonSerializer.Deserialize<T>(Response, MessageJson.Options);
}
