namespace MiniCrm.Api.Application.Imports;

/// <summary>
/// An import's progress: <c>rowsRead</c> data lines (an order's item lines each count), holding <c>itemsRead</c>
/// customers or orders, of which <c>accepted</c> were taken and <c>rejected</c> refused (their lines:
/// <c>rejectedLines</c>; an order with one bad line is refused whole); each reason is listed with its line and column at
/// <c>rejectedRows</c>, the first of them in <c>firstProblem</c>.
/// </summary>
public sealed record ImportView(
    Guid Id, ImportKind Kind, ImportStatus Status, string? FileName, long Bytes, long RowsRead, long Accepted, long Rejected,
    string? Error, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, string RejectedRows,
    long ItemsRead = 0, long RejectedLines = 0, string? FirstProblem = null)
{
    public static ImportView From(Import i) => new(i.Id, i.Kind, i.Status, i.FileName, i.Bytes, i.RowsRead, i.Accepted, i.Rejected,
        i.Error, i.CreatedBy, i.CreatedAt, i.StartedAt, i.CompletedAt, $"/api/imports/{i.Id}/rejected", i.ItemsRead, i.RejectedLines, i.FirstProblem);
}
