using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace MiniCrm.ServiceDefaults.Operations;

/// <summary>
/// A request the framework itself cannot read (a query parameter of the wrong type, such as
/// <c>limit=abc</c>; a body over the size limit) throws BadHttpRequestException, which the exception
/// handler would answer with 500. It is the caller's mistake: answer its own status (400, 413, …)
/// with what could not be read.
/// </summary>
public sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || context.Response.HasStarted)
        {
            return false;
        }

        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "The request could not be read.",
                Detail = bad.Message,
            },
        });
    }
}
