using Microsoft.AspNetCore.Diagnostics;

namespace MiniCrm.Api.Http;

/// <summary>
/// A create that outlived its key's claim (see <see cref="IdempotencyClaimLostException"/>): what it created was rolled
/// back and a repeat owns the key now, so the answer is a 409 that sends the caller to that repeat's answer, not a 500.
/// </summary>
internal sealed class IdempotencyTakenOverHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public const string Title = "A repeat of this request took it over";

    public const string Detail = "It ran for over a minute, and a repeat with the same Idempotency-Key was handled meanwhile. Send it again to get that answer.";

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not IdempotencyClaimLostException || context.Response.HasStarted)
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status409Conflict;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status409Conflict, Title = Title, Detail = Detail },
        });
    }
}
