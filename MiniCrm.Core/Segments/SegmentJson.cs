using System.Text.Json;
using System.Text.Json.Serialization;
using MiniCrm.Core.Text;

namespace MiniCrm.Core.Segments;

/// <summary>Source-generated JSON for <see cref="RuleNode"/>: the web's camelCase, text read by <see cref="TolerantStringConverter"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 64,
    Converters = [typeof(TolerantStringConverter)])]
[JsonSerializable(typeof(RuleNode))]
public sealed partial class SegmentJson : JsonSerializerContext;
