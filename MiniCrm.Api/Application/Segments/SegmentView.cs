using System.Text.Json.Nodes;

namespace MiniCrm.Api.Application.Segments;

/// <summary>A saved audience with the count last taken of it (<c>countedAt</c>); reading one counts it afresh.</summary>
public sealed record SegmentView(
    Guid Id, string Name, JsonNode? Rules, string Description, long? Count, DateTimeOffset? CountedAt, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static SegmentView From(Segment s) =>
        new(s.Id, s.Name, JsonNode.Parse(s.Rules), s.Description, s.LastCount, s.CountedAt, s.CreatedBy, s.CreatedAt, s.UpdatedAt);
}
