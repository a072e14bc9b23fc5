namespace MiniCrm.Api.Application.Receipts;

public sealed record ReceiptBatch(IReadOnlyList<ReceiptSubmission> Receipts);
