namespace MiniCrm.Core.Domain;

public enum ImportKind
{
    Customers,
    Orders,
}

/// <summary>RECEIVING (the upload is being stored) → QUEUED → PROCESSING → COMPLETED, or FAILED with the reason.</summary>
public enum ImportStatus
{
    Receiving,
    Queued,
    Processing,
    Completed,
    Failed,
}

/// <summary>
/// A CSV file of customers or orders, stored as it was uploaded (<see cref="ImportChunk"/>) and fed through
/// the same validation and Kafka path as the JSON API, a batch at a time; its progress is exact across
/// restarts: <see cref="NextRecord"/> records have been counted, the rest is still to come.
/// </summary>
public sealed class Import
{
    public Guid Id { get; set; }

    public ImportKind Kind { get; set; }

    public ImportStatus Status { get; set; }

    public string? FileName { get; set; }

    public long Bytes { get; set; }

    public int Chunks { get; set; }

    /// <summary>Data lines read (the header not counted); for orders, one per item line.</summary>
    public long RowsRead { get; set; }

    /// <summary>Customers or orders read: an order is all its lines; a line that cannot be read at all counts as one. <see cref="Accepted"/> + <see cref="Rejected"/>.</summary>
    public long ItemsRead { get; set; }

    /// <summary>Customers or orders taken.</summary>
    public long Accepted { get; set; }

    /// <summary>Customers or orders refused (each listed with its reasons in the rejected rows).</summary>
    public long Rejected { get; set; }

    /// <summary>The lines of the refused customers or orders: an order refused for one bad line refuses all its lines.</summary>
    public long RejectedLines { get; set; }

    /// <summary>The first reason a line was refused for ("line 7, email: Is not a valid email address."), to show without the download.</summary>
    public string? FirstProblem { get; set; }

    /// <summary>How many data records are done: the next batch starts after them.</summary>
    public long NextRecord { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Until when the Api instance working on it holds it; past this another one takes it over.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    public string? Error { get; set; }
}

/// <summary>Up to a mebibyte of the uploaded file, in order.</summary>
public sealed class ImportChunk
{
    public Guid ImportId { get; set; }

    public int Seq { get; set; }

    public required byte[] Data { get; set; }
}

/// <summary>One row the import could not take: its line in the file, the column, and why.</summary>
public sealed class ImportRejection
{
    public long Id { get; set; }

    public Guid ImportId { get; set; }

    public long Line { get; set; }

    public required string Field { get; set; }

    public required string Reason { get; set; }
}

/// <summary>
/// A validated batch on its way to Kafka: written before it is published and deleted when its progress is
/// counted, so a batch interrupted in between is published again as it was (the consumers take a message
/// they have seen as the redelivery it is) and counted once.
/// </summary>
public sealed class ImportBatch
{
    public Guid ImportId { get; set; }

    public long NextRecord { get; set; }

    public long RowsRead { get; set; }

    public int ItemsRead { get; set; }

    public int Accepted { get; set; }

    public int Rejected { get; set; }

    public int RejectedLines { get; set; }

    public string? FirstProblem { get; set; }

    /// <summary>The Kafka messages, length-prefixed keys and values.</summary>
    public required byte[] Messages { get; set; }
}
