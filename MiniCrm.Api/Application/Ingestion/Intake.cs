namespace MiniCrm.Api.Application.Ingestion;

/// <summary>What became of each item of an ingestion request.</summary>
public sealed record Intake<T>(List<(int Index, string Key, T Message)> Accepted, List<RejectedItem> Rejected);
