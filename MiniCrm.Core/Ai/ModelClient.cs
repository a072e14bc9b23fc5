using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace MiniCrm.Core.Ai;

/// <summary>What a model answered, or why it gave nothing usable; with the tokens it reported.</summary>
public sealed record ModelReply<T>(T? Answer, string? Failure, int? InputTokens, int? OutputTokens) where T : class;

/// <summary>
/// One configured model behind Semantic Kernel's chat completion connectors (OpenAI, Azure OpenAI, or
/// any OpenAI-compatible server by base URL). Each call sends the job's prompt file as the system
/// message, the job's input as JSON, and the answer's type as a strict JSON schema (structured output);
/// it gives up after <see cref="AiOptions.TimeoutSeconds"/>. It never throws for the model's sake:
/// the caller falls back to the offline answer.
/// </summary>
public sealed partial class ModelClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly AiOptions _options;
    private readonly HttpClient _http;
    private readonly Kernel _kernel;
    private readonly IChatCompletionService _chat;
    private readonly ILogger _logger;

    public ModelClient(AiOptions options, ILoggerFactory loggers)
    {
        _options = options;
        _logger = loggers.CreateLogger<ModelClient>();
        // No retries and no client timeout of its own: one attempt, bounded by the job's timeout, then the offline answer.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(loggers);
        var model = options.Model!;
        switch (options.ProviderName)
        {
            case AiProviders.AzureOpenAI:
                builder.AddAzureOpenAIChatCompletion(deploymentName: model, endpoint: options.EndpointUri!.ToString(), apiKey: options.ApiKey!, httpClient: _http);
                break;
            case AiProviders.OpenAI when options.EndpointUri is null:
                builder.AddOpenAIChatCompletion(modelId: model, apiKey: options.ApiKey!, httpClient: _http);
                break;
            default:
                // A local server may take no key; the connector still sends one, which such servers ignore.
                builder.AddOpenAIChatCompletion(modelId: model, endpoint: options.EndpointUri!, apiKey: string.IsNullOrEmpty(options.ApiKey) ? "none" : options.ApiKey, httpClient: _http);
                break;
        }

        _kernel = builder.Build();
        _chat = _kernel.GetRequiredService<IChatCompletionService>();
    }

    public string Provider => _options.ProviderName;

    public string Model => _options.Model!;

    public async Task<ModelReply<T>> AskAsync<T>(string job, object input, CancellationToken ct) where T : class
    {
        var history = new ChatHistory(await AiPrompts.RenderAsync(_kernel, job, ct));
        history.AddUserMessage(JsonSerializer.Serialize(input, Json));
        var settings = new OpenAIPromptExecutionSettings
        {
            ResponseFormat = typeof(T),
            Temperature = 0,
            MaxTokens = _options.MaxOutputTokens,
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        ChatMessageContent reply;
        try
        {
            reply = await _chat.GetChatMessageContentAsync(history, settings, _kernel, timeout.Token);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            var failure = ex switch
            {
                _ when timeout.IsCancellationRequested => $"no answer within {_options.TimeoutSeconds} s",
                HttpOperationException { StatusCode: { } status } => $"the model answered HTTP {(int)status}",
                HttpOperationException => "the model could not be reached",
                _ => $"the model call failed ({ex.GetType().Name})",
            };
            LogCallFailed(ex, job, Provider, Model, failure);
            return new ModelReply<T>(null, failure, null, null);
        }

        var (inputTokens, outputTokens) = Usage(reply);
        try
        {
            return JsonSerializer.Deserialize<T>(reply.Content ?? "", Json) is { } answer
                ? new ModelReply<T>(answer, null, inputTokens, outputTokens)
                : new ModelReply<T>(null, "the answer was empty", inputTokens, outputTokens);
        }
        catch (JsonException)
        {
            return new ModelReply<T>(null, "the answer was not the JSON asked for", inputTokens, outputTokens);
        }
    }

    private static (int? Input, int? Output) Usage(ChatMessageContent reply) =>
        reply.Metadata is { } metadata && metadata.TryGetValue("Usage", out var value) && value is OpenAI.Chat.ChatTokenUsage usage
            ? (usage.InputTokenCount, usage.OutputTokenCount)
            : (null, null);

    public void Dispose() => _http.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI {Job} through {Provider} ({Model}) failed: {Failure}.")]
    private partial void LogCallFailed(Exception ex, string job, string provider, string model, string failure);
}
