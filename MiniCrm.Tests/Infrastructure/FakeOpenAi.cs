using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MiniCrm.Tests.Infrastructure;

/// <summary>One chat completion request as the fake received it.</summary>
public sealed record FakeOpenAiRequest(string Authorization, JsonElement Body)
{
    public string Model => Body.GetProperty("model").GetString()!;

    /// <summary>Whether the system message is the prompt file of <paramref name="job"/> (the files differ from their first line).</summary>
    public bool IsJob(string job) => Message("system").StartsWith(MiniCrm.Core.Ai.AiPrompts.Source(job).Split('\n')[0], StringComparison.Ordinal);

    public string Message(string role) =>
        Body.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("role").GetString() == role).GetProperty("content") switch
        {
            { ValueKind: JsonValueKind.String } text => text.GetString()!,
            var parts => string.Concat(parts.EnumerateArray().Select(p => p.GetProperty("text").GetString())),
        };
}

/// <summary>What the fake answers to a request: the assistant's content, an HTTP status, or nothing at all (it hangs).</summary>
public abstract record FakeOpenAiReply
{
    public sealed record Content(string Text) : FakeOpenAiReply;

    public sealed record Status(int Code) : FakeOpenAiReply;

    public sealed record Hang : FakeOpenAiReply;
}

/// <summary>
/// A local OpenAI-compatible server (<c>POST /v1/chat/completions</c>), so the Api and Workers run Semantic
/// Kernel's real OpenAI connector end to end. A test scripts an answer for requests that carry a token of
/// its own (a city, a campaign name, a word), so tests sharing the system never see each other's answers;
/// a request with no scripted token gets 400, and the services fall back to the offline provider.
/// </summary>
public sealed class FakeOpenAi : IAsyncDisposable
{
    public const string Model = "fake-model";
    public const string ApiKey = "fake-openai-key";
    public const int PromptTokens = 42;
    public const int CompletionTokens = 17;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<FakeOpenAiRequest, FakeOpenAiReply>> _scripts = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<FakeOpenAiRequest>> _received = new();

    public FakeOpenAi()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/chat/completions", async (HttpRequest request, CancellationToken aborted) =>
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: aborted);
            var received = new FakeOpenAiRequest(request.Headers.Authorization.ToString(), document.RootElement.Clone());
            var raw = document.RootElement.GetRawText();
            var token = _scripts.Keys.FirstOrDefault(t => raw.Contains(t, StringComparison.Ordinal));
            if (token is null)
            {
                return Results.Json(new { error = new { message = "No scripted answer for this request.", type = "invalid_request_error" } }, statusCode: 400);
            }

            _received.GetOrAdd(token, _ => new()).Enqueue(received);
            switch (_scripts[token](received))
            {
                case FakeOpenAiReply.Hang:
                    await Task.Delay(Timeout.Infinite, aborted);
                    return Results.StatusCode(500);
                case FakeOpenAiReply.Status status:
                    return Results.Json(new { error = new { message = "scripted failure", type = "server_error" } }, statusCode: status.Code);
                case FakeOpenAiReply.Content content:
                    return Results.Json(new
                    {
                        id = "chatcmpl-" + Guid.NewGuid().ToString("N"),
                        @object = "chat.completion",
                        created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                        model = received.Model,
                        choices = new[] { new { index = 0, message = new { role = "assistant", content = content.Text }, finish_reason = "stop" } },
                        usage = new { prompt_tokens = PromptTokens, completion_tokens = CompletionTokens, total_tokens = PromptTokens + CompletionTokens },
                    });
                default:
                    throw new InvalidOperationException("unknown reply");
            }
        });
    }

    public string BaseAddress => _app.Urls.First() + "/v1";

    /// <summary>Answers every request whose body contains <paramref name="token"/> with <paramref name="reply"/>.</summary>
    public void Script(string token, Func<FakeOpenAiRequest, FakeOpenAiReply> reply) => _scripts[token] = reply;

    public void Script(string token, FakeOpenAiReply reply) => Script(token, _ => reply);

    /// <summary>The requests that carried <paramref name="token"/>, in the order they came.</summary>
    public IReadOnlyList<FakeOpenAiRequest> Received(string token) => _received.TryGetValue(token, out var queue) ? [.. queue] : [];

    public Task StartAsync() => _app.StartAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
