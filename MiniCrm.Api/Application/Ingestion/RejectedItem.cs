namespace MiniCrm.Api.Application.Ingestion;

public sealed record RejectedItem(int Index, string Field, string Message);
