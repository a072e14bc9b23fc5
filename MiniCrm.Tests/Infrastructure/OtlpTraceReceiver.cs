using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MiniCrm.Tests.Infrastructure;

public sealed record CollectedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes)
{
    public bool IsRoot => ParentSpanId.Length == 0 || ParentSpanId.All(c => c == '0');

    public override string ToString() => $"{Service}: {Name} {{{string.Join(", ", Attributes.Select(a => $"{a.Key}={a.Value}"))}}}";
}

/// <summary>
/// An OTLP/HTTP endpoint in the test process that the services export to, as they would to the
/// dashboard. It decodes just enough of the protobuf (service name, ids, span name) to check traces.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    public OtlpTraceReceiver()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            foreach (var span in Decode(buffer.ToArray()))
            {
                Spans.Add(span);
            }

            return Results.Bytes([], "application/x-protobuf");
        });
        _app.MapPost("/v1/{signal}", () => Results.Bytes([], "application/x-protobuf"));
    }

    public ConcurrentBag<CollectedSpan> Spans { get; } = [];

    public string Endpoint => _app.Urls.First();

    public Task StartAsync() => _app.StartAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    // ExportTraceServiceRequest{1: ResourceSpans{1: Resource{1: KeyValue{1: key, 2: AnyValue{1: string}}}, 2: ScopeSpans{2: Span{1: trace_id, 2: span_id, 4: parent_span_id, 5: name, 9: KeyValue}}}}
    private static IEnumerable<CollectedSpan> Decode(byte[] request)
    {
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1).Select(f => f.Bytes))
        {
            var service = "";
            foreach (var field in Fields(resourceSpans).Where(f => f.Number == 1))
            {
                service = StringAttributes(Fields(field.Bytes).Where(f => f.Number == 1)).GetValueOrDefault("service.name", "");
            }

            foreach (var scopeSpans in Fields(resourceSpans).Where(f => f.Number == 2))
            {
                foreach (var span in Fields(scopeSpans.Bytes).Where(f => f.Number == 2))
                {
                    var parts = Fields(span.Bytes).ToList();
                    yield return new CollectedSpan(
                        service,
                        Convert.ToHexStringLower(parts.FirstOrDefault(f => f.Number == 1).Bytes ?? []),
                        Convert.ToHexStringLower(parts.FirstOrDefault(f => f.Number == 2).Bytes ?? []),
                        Convert.ToHexStringLower(parts.FirstOrDefault(f => f.Number == 4).Bytes ?? []),
                        Text(parts.FirstOrDefault(f => f.Number == 5).Bytes),
                        StringAttributes(parts.Where(f => f.Number == 9)));
                }
            }
        }
    }

    /// <summary>KeyValue{1: key, 2: AnyValue{1: string_value, 2: bool_value, 3: int_value}}, as text; values of other types are left out.</summary>
    private static Dictionary<string, string> StringAttributes(IEnumerable<(int Number, byte[] Bytes)> keyValues)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var (_, bytes) in keyValues)
        {
            var kv = Fields(bytes).ToList();
            var value = kv.FirstOrDefault(f => f.Number == 2).Bytes;
            if (value is not null && ValueText(value) is { } text)
            {
                attributes[Text(kv.FirstOrDefault(f => f.Number == 1).Bytes)] = text;
            }
        }

        return attributes;
    }

    private static string? ValueText(byte[] value)
    {
        var position = 0;
        if (value.Length == 0)
        {
            return null;
        }

        var tag = ReadVarint(value, ref position);
        return (tag >> 3, tag & 7) switch
        {
            (1, 2) => Fields(value).Where(f => f.Number == 1).Select(f => Text(f.Bytes)).FirstOrDefault(),
            (2, 0) => ReadVarint(value, ref position) != 0 ? "true" : "false",
            (3, 0) => ((long)ReadVarint(value, ref position)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        };
    }

    private static string Text(byte[]? bytes) => bytes is null ? "" : System.Text.Encoding.UTF8.GetString(bytes);

    /// <summary>The length-delimited fields of a protobuf message (other wire types are skipped).</summary>
    private static IEnumerable<(int Number, byte[] Bytes)> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    ReadVarint(message, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    yield return (number, message[position..(position + length)]);
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    yield break;
            }
        }
    }

    private static ulong ReadVarint(byte[] buffer, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; position < buffer.Length; shift += 7)
        {
            var b = buffer[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        return value;
    }
}
