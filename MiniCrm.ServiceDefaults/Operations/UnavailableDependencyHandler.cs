using System.Data.Common;
using System.Net.Sockets;
using Confluent.Kafka;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MiniCrm.ServiceDefaults.Operations;

/// <summary>
/// A request that fails because the database or Kafka is away (restarting, failing over, its
/// connections exhausted) is the system's state, not the caller's fault and not a bug: it gets
/// 503 with Retry-After as a problem detail, so clients wait and send it again, instead of a 500.
/// </summary>
public sealed partial class UnavailableDependencyHandler(IProblemDetailsService problems, ILogger<UnavailableDependencyHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnavailable(exception) || context.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(context.Request.Path, exception.GetType().Name, exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Try again shortly",
                Detail = "A part of MiniCRM (its database or message broker) is not answering right now. Send the request again after Retry-After.",
            },
        });
    }

    private static bool IsUnavailable(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            // Npgsql marks connection failures, timeouts and a server shutting down as transient.
            if (exception is DbException { IsTransient: true } or TimeoutException or SocketException or KafkaException)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} answered 503: a dependency is unavailable ({Exception}: {Message}).")]
    private partial void LogUnavailable(string path, string exception, string message);
}
