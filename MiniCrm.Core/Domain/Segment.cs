namespace MiniCrm.Core.Domain;

/// <summary>A saved audience: a named rule group, with the last count taken of it.</summary>
public sealed class Segment
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>The rule group, canonical JSON (as the validator writes it).</summary>
    public required string Rules { get; set; }

    /// <summary>The rules in words.</summary>
    public required string Description { get; set; }

    /// <summary>The marketer who saved it (a <see cref="User"/> id).</summary>
    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>How many customers it selected when last counted (consent and frequency cap applied).</summary>
    public long? LastCount { get; set; }

    public DateTimeOffset? CountedAt { get; set; }
}
