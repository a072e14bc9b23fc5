namespace MiniCrm.Api.Application.Idempotency;

public enum ClaimState
{
    /// <summary>The key is new: handle the request, then <see cref="IdempotencyKeys.CompleteAsync(CrmDbContext, IdempotentRequest, int, object, CancellationToken)"/> it.</summary>
    New,

    /// <summary>The same request was handled before: answer with <see cref="IdempotencyClaim.Status"/> and <see cref="IdempotencyClaim.Response"/>.</summary>
    Replay,

    /// <summary>The key was used for a different request (422).</summary>
    Reused,

    /// <summary>The first request with this key is still being handled (409, try again shortly).</summary>
    Busy,
}
