using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MiniCrm.ServiceDefaults.Operations;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class UnavailableDependencyHandlerTests
{
    public static TheoryData<Exception> Unavailable() => new()
    {
        new Npgsql.NpgsqlException("Exception while reading from stream", new IOException("connection reset")),
        new InvalidOperationException("wrapped", new Npgsql.NpgsqlException("Exception while connecting", new System.Net.Sockets.SocketException(111))),
        new TimeoutException("The operation has timed out."),
        new Confluent.Kafka.KafkaException(Confluent.Kafka.ErrorCode.Local_Transport),
    };

    [Theory]
    [MemberData(nameof(Unavailable))]
    public async Task A_database_or_broker_that_is_away_is_a_503_with_retry_after(Exception exception)
    {
        var (handled, context) = await HandleAsync(exception);

        Assert.True(handled);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Contains("Try again shortly", body);
        Assert.DoesNotContain(exception.Message, body);
    }

    [Fact]
    public async Task A_bug_is_left_to_the_generic_500_handler()
    {
        var (handled, _) = await HandleAsync(new NullReferenceException());
        Assert.False(handled);
    }

    private static async Task<(bool Handled, HttpContext Context)> HandleAsync(Exception exception)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var handler = new UnavailableDependencyHandler(services.GetRequiredService<IProblemDetailsService>(), NullLogger<UnavailableDependencyHandler>.Instance);
        return (await handler.TryHandleAsync(context, exception, CancellationToken.None), context);
    }
}
