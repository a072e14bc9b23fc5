using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MiniCrm.Api.Application.Ai;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Http;

/// <summary>
/// The request bodies, source-generated: the endpoints bind them (after <see cref="JsonBodies"/> has checked their
/// shape) and the OpenAPI document describes them from the same metadata. Text is read by
/// <see cref="TolerantStringConverter"/>, so a lone surrogate reaches the field's validator instead of failing the body.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 64,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(TolerantStringConverter)])]
[JsonSerializable(typeof(CampaignLaunch))]
[JsonSerializable(typeof(ScheduleChange))]
[JsonSerializable(typeof(TestSendRequest))]
[JsonSerializable(typeof(DraftContent))]
[JsonSerializable(typeof(SegmentRequest))]
[JsonSerializable(typeof(Application.Journeys.JourneyRequest))]
[JsonSerializable(typeof(Core.Journeys.JourneyDefinition))]
[JsonSerializable(typeof(RuleNode))]
[JsonSerializable(typeof(RulesRequest))]
[JsonSerializable(typeof(MessagesRequest))]
[JsonSerializable(typeof(Auth.MyPhone))]
[JsonSerializable(typeof(Auth.DevelopmentSignInRequest))]
internal sealed partial class ApiJson : JsonSerializerContext
{
    /// <summary>A command as JSON, the same for the same command: what an Idempotency-Key's request is compared by, and how a draft is kept.</summary>
    public static string Fingerprint<T>(T command, JsonTypeInfo<T> type) => JsonSerializer.Serialize(command, type);

    /// <summary>
    /// The Api's JSON: <see cref="Core.Messaging.MessageJson"/>'s shape, with these request types first, text read
    /// tolerantly, and numbers only as numbers (the web default also reads "100" as 100; the shape check refuses it).
    /// </summary>
    public static void Configure(JsonSerializerOptions options)
    {
        Core.Messaging.MessageJson.Configure(options);
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new TolerantStringConverter());
        options.TypeInfoResolverChain.Insert(0, Default);
    }
}
