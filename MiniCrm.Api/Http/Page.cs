namespace MiniCrm.Api.Http;

/// <summary>A page of results and the cursor for the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
