using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Messaging;
using MiniCrm.ServiceDefaults.Operations;
using Npgsql;
using NpgsqlTypes;
using OpenTelemetry;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Api.Imports;

public sealed class ImportOptions
{
    public const string SectionName = "Imports";

    /// <summary>Records validated and published together.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 5_000)]
    public int BatchSize { get; set; } = 2_000;

    /// <summary>An upload still RECEIVING after this long was cut off with its Api instance (a 202 was never sent): its stored part is deleted.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 168)]
    public int AbandonedUploadHours { get; set; } = 6;

    /// <summary>How long an Api instance holds an import it works on before another may take it over.</summary>
    [System.ComponentModel.DataAnnotations.Range(10, 3_600)]
    public int LeaseSeconds { get; set; } = 120;

    /// <summary>The largest file taken, in mebibytes.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 4_096)]
    public int MaxFileMegabytes { get; set; } = 512;
}

/// <summary>
/// Works through stored imports, a batch at a time, on the JSON API's path: the same validators, the same
/// Kafka topics and acknowledgements, the same backpressure (it waits while the consumers lag). Each batch
/// is first written with its validated messages and rejected rows, then published, then counted, so an
/// import cut off anywhere (a stop, a crash, a lost lease) carries on exactly where it was: a batch
/// published but not counted is published again as it was, which the consumers take as a redelivery.
/// </summary>
public sealed partial class ImportProcessor(
    NpgsqlDataSource database, ImportFile files, IServiceScopeFactory scopes, PipelinePublisher publisher, ConsumerLagMonitor lag,
    DrainSignal drain, IOptions<ImportOptions> options, TimeProvider clock, ILogger<ImportProcessor> logger) : BackgroundService, IDrainProgress
{
    private int _inFlight;

    public IEnumerable<KeyValuePair<string, long>> Remaining() => [new("importBatchesInFlight", Volatile.Read(ref _inFlight))];

    private const string Claim = """
        UPDATE imports SET status = 'PROCESSING', started_at = coalesce(started_at, clock_timestamp()),
                           lease_until = clock_timestamp() + @lease * interval '1 second'
        WHERE id = (SELECT id FROM imports
                    WHERE status = 'QUEUED' OR (status = 'PROCESSING' AND lease_until < clock_timestamp())
                    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, kind, chunks, next_record
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (drain.IsDraining || !await NextAsync(stoppingToken))
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or KafkaException or TimeoutException or InvalidDataException)
            {
                LogFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(2), clock, stoppingToken);
            }
        }
    }

    /// <returns>Whether there was an import to work on.</returns>
    public async Task<bool> NextAsync(CancellationToken ct)
    {
        (Guid Id, ImportKind Kind, int Chunks, long Next)? claimed = null;
        // Looking for work is not work: an idle poll leaves no trace.
        using (SuppressInstrumentationScope.Begin())
        {
            await using var claim = database.CreateCommand(Claim);
            claim.Parameters.Add(new NpgsqlParameter("lease", NpgsqlDbType.Double) { Value = (double)options.Value.LeaseSeconds });
            await using (var reader = await claim.ExecuteReaderAsync(ct))
            {
                if (await reader.ReadAsync(ct))
                {
                    claimed = (reader.GetGuid(0), Enum.Parse<ImportKind>(reader.GetString(1), true), reader.GetInt32(2), reader.GetInt64(3));
                }
            }

            if (claimed is null)
            {
                await ForgetAbandonedUploadsAsync(ct);
                return false;
            }
        }

        var (id, kind, chunks, next) = claimed.Value;

        try
        {
            await ProcessAsync(id, kind, chunks, next, ct);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or NpgsqlException or KafkaException or TimeoutException or InvalidDataException))
        {
            // Anything else is about this file, not the moment: retrying would fail again, and a background service that
            // throws stops the Api. The import ends FAILED with the reason; the next one is worked on.
            LogUnexpected(ex, id);
            await FinishAsync(id, $"The import stopped on an unexpected problem ({ex.GetType().Name}); what was counted before it stays imported.", ct);
        }

        return true;
    }

    private async Task ProcessAsync(Guid id, ImportKind kind, int chunks, long next, CancellationToken ct)
    {
        using var activity = MiniCrm.Core.Telemetry.CrmTelemetry.Source.StartActivity("import file");
        activity?.SetTag("minicrm.import.id", id);
        var topic = kind == ImportKind.Customers ? KafkaTopics.Customers : KafkaTopics.Orders;

        // A batch written but not counted when the last worker stopped: published again as it was, then counted.
        if (await PendingAsync(id, ct) is { } pending)
        {
            await PublishAsync(topic, pending, ct);
            next = await CountAsync(id, ct);
        }

        await using var stream = files.Open(id, chunks);
        using var text = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
        var csv = new CsvRecords(text);
        var (rows, problem) = ImportRows.FromHeader(kind, await csv.ReadAsync(ct));
        if (rows is null)
        {
            await FinishAsync(id, problem, ct);
            return;
        }

        // Records already counted are read past: a few seconds for a file of a million.
        for (long skipped = 0; skipped < next;)
        {
            skipped += (await rows.ReadAsync(csv, (int)Math.Min(next - skipped, 5_000), ct)).Records;
        }

        while (true)
        {
            if (drain.IsDraining || ct.IsCancellationRequested)
            {
                await ReleaseAsync(id, ct);
                return;
            }

            while (lag.IsBehind(topic))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), clock, ct);
            }

            var batch = await rows.ReadAsync(csv, options.Value.BatchSize, ct);
            if (batch.Records > 0)
            {
                Interlocked.Increment(ref _inFlight);
                try
                {
                    var validated = await ValidateAsync(kind, rows, batch, ct);
                    await WritePendingAsync(id, next + batch.Records, batch.Records, validated, ct);
                    await PublishAsync(topic, validated.Messages, ct);
                    next = await CountAsync(id, ct);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }

            if (batch.End)
            {
                await FinishAsync(id, null, ct);
                LogCompleted(id, next);
                return;
            }
        }
    }

    /// <summary>
    /// A batch validated: its messages, the refused lines' reasons, and its counts: customers or orders read (an
    /// unreadable line counts as one, unless it is a line of an order, which is then refused whole), of them refused,
    /// and the lines those refused ones had.
    /// </summary>
    private sealed record Validated(List<Message<string, byte[]>> Messages, List<(long Line, string Field, string Reason)> Rejected, int Items, int RejectedItems, int RejectedLines);

    private async Task<Validated> ValidateAsync(ImportKind kind, ImportRows rows, ImportItems batch, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var rejected = new List<(long Line, string Field, string Reason)>(batch.Unreadable);
        List<Message<string, byte[]>> messages;
        List<RejectedItem> refused;
        if (kind == ImportKind.Customers)
        {
            var intake = await scope.ServiceProvider.GetRequiredService<CustomerIntake>().ValidateAsync(batch.Items, ct);
            messages = [.. intake.Accepted.Select(a => new Message<string, byte[]> { Key = a.Key, Value = MessageJson.Serialize(a.Message) })];
            refused = intake.Rejected;
        }
        else
        {
            var intake = await scope.ServiceProvider.GetRequiredService<OrderIntake>().ValidateAsync(batch.Items, ct);
            messages = [.. intake.Accepted.Select(a => new Message<string, byte[]> { Key = a.Key, Value = MessageJson.Serialize(a.Message) })];
            refused = intake.Rejected;
        }

        rejected.AddRange(refused.Select(r => Locate(rows, batch, r)));
        rejected.Sort((a, b) => a.Line.CompareTo(b.Line));
        var refusedItems = refused.Select(r => r.Index).Distinct().ToList();
        return new Validated(messages, rejected,
            Items: batch.Items.Count + batch.UnreadableItems,
            RejectedItems: refusedItems.Count + batch.UnreadableItems,
            RejectedLines: refusedItems.Sum(i => batch.Lines[i].Length) + batch.Unreadable.Count);
    }

    private static (long, string, string) Locate(ImportRows rows, ImportItems batch, RejectedItem rejected)
    {
        var (line, column) = rows.Locate(batch.Lines[rejected.Index], rejected.Field);
        return (line, column, rejected.Message);
    }

    private async Task PublishAsync(string topic, List<Message<string, byte[]>> messages, CancellationToken ct)
    {
        // Kafka not acknowledging is an outage: the batch stays written and goes out again on the next try.
        if (!await publisher.PublishAllAsync(topic, messages, ct))
        {
            throw new TimeoutException($"Kafka did not acknowledge an import batch to {topic}.");
        }
    }

    /// <summary>The batch and its rejected rows, before anything is published.</summary>
    private async Task WritePendingAsync(Guid id, long nextRecord, long records, Validated batch, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var write = new NpgsqlCommand(
            """
            INSERT INTO import_batches (import_id, next_record, rows_read, items_read, accepted, rejected, rejected_lines, first_problem, messages)
            VALUES (@id, @next, @rows, @items, @accepted, @rejected, @rejected_lines, @first_problem, @messages);
            INSERT INTO import_rejections (import_id, line, field, reason)
            SELECT @id, r.line, left(r.field, 100), left(r.reason, 500) FROM unnest(@lines, @fields, @reasons) AS r(line, field, reason);
            UPDATE imports SET lease_until = clock_timestamp() + @lease * interval '1 second' WHERE id = @id;
            """, connection, transaction))
        {
            write.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id });
            write.Parameters.Add(new NpgsqlParameter("next", NpgsqlDbType.Bigint) { Value = nextRecord });
            write.Parameters.Add(new NpgsqlParameter("rows", NpgsqlDbType.Bigint) { Value = records });
            write.Parameters.Add(new NpgsqlParameter("accepted", NpgsqlDbType.Integer) { Value = batch.Messages.Count });
            write.Parameters.Add(new NpgsqlParameter("items", NpgsqlDbType.Integer) { Value = batch.Items });
            write.Parameters.Add(new NpgsqlParameter("rejected", NpgsqlDbType.Integer) { Value = batch.RejectedItems });
            write.Parameters.Add(new NpgsqlParameter("rejected_lines", NpgsqlDbType.Integer) { Value = batch.RejectedLines });
            write.Parameters.Add(new NpgsqlParameter("first_problem", NpgsqlDbType.Varchar)
            {
                Value = batch.Rejected.FirstOrDefault() is { Reason: not null } first
                    ? MiniCrm.Core.Text.StoredText.Truncate(MiniCrm.Core.Text.StoredText.Clean($"line {first.Line}, {first.Field}: {first.Reason}"), 700)
                    : DBNull.Value,
            });
            write.Parameters.Add(new NpgsqlParameter("messages", NpgsqlDbType.Bytea) { Value = Pack(batch.Messages) });
            write.Parameters.Add(new NpgsqlParameter<long[]>("lines", [.. batch.Rejected.Select(r => r.Line)]));
            write.Parameters.Add(new NpgsqlParameter<string[]>("fields", [.. batch.Rejected.Select(r => r.Field)]));
            write.Parameters.Add(new NpgsqlParameter<string[]>("reasons", [.. batch.Rejected.Select(r => MiniCrm.Core.Text.StoredText.Clean(r.Reason))]));
            write.Parameters.Add(new NpgsqlParameter("lease", NpgsqlDbType.Double) { Value = (double)options.Value.LeaseSeconds });
            await write.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
    }

    private async Task<List<Message<string, byte[]>>?> PendingAsync(Guid id, CancellationToken ct)
    {
        await using var read = database.CreateCommand("SELECT messages FROM import_batches WHERE import_id = @id");
        read.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id });
        return await read.ExecuteScalarAsync(ct) is byte[] packed ? Unpack(packed) : null;
    }

    /// <summary>Counts the published batch into the import's progress and forgets it, in one transaction.</summary>
    private async Task<long> CountAsync(Guid id, CancellationToken ct)
    {
        await using var count = database.CreateCommand(
            """
            WITH done AS (DELETE FROM import_batches WHERE import_id = @id RETURNING *)
            UPDATE imports i SET next_record = done.next_record, rows_read = i.rows_read + done.rows_read, items_read = i.items_read + done.items_read,
                                 accepted = i.accepted + done.accepted, rejected = i.rejected + done.rejected,
                                 rejected_lines = i.rejected_lines + done.rejected_lines, first_problem = coalesce(i.first_problem, done.first_problem)
            FROM done WHERE i.id = done.import_id
            RETURNING i.next_record
            """);
        count.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id });
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }

    private async Task FinishAsync(Guid id, string? problem, CancellationToken ct)
    {
        await using var finish = database.CreateCommand(
            """
            UPDATE imports SET status = CASE WHEN @problem IS NULL THEN 'COMPLETED' ELSE 'FAILED' END, error = @problem,
                               completed_at = clock_timestamp(), lease_until = NULL WHERE id = @id;
            DELETE FROM import_chunks WHERE import_id = @id;
            """);
        finish.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id });
        finish.Parameters.Add(new NpgsqlParameter("problem", NpgsqlDbType.Varchar) { Value = (object?)problem ?? DBNull.Value });
        await finish.ExecuteNonQueryAsync(ct);
    }

    private DateTime _lastCleanup;

    /// <summary>Uploads whose Api instance died before it answered: nobody was told they were accepted, so their stored part goes.</summary>
    private async Task ForgetAbandonedUploadsAsync(CancellationToken ct)
    {
        if (DateTime.UtcNow - _lastCleanup < TimeSpan.FromMinutes(1))
        {
            return;
        }

        _lastCleanup = DateTime.UtcNow;
        await using var forget = database.CreateCommand("DELETE FROM imports WHERE status = 'RECEIVING' AND created_at < clock_timestamp() - @hours * interval '1 hour'");
        forget.Parameters.Add(new NpgsqlParameter("hours", NpgsqlDbType.Double) { Value = (double)options.Value.AbandonedUploadHours });
        if (await forget.ExecuteNonQueryAsync(ct) is > 0 and var forgotten)
        {
            LogForgotten(forgotten);
        }
    }

    /// <summary>Stopping: the import goes back to the queue for whoever comes next (this instance after a restart).</summary>
    private async Task ReleaseAsync(Guid id, CancellationToken ct)
    {
        await using var release = database.CreateCommand("UPDATE imports SET lease_until = NULL, status = 'QUEUED' WHERE id = @id AND status = 'PROCESSING'");
        release.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id });
        await release.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private static byte[] Pack(List<Message<string, byte[]>> messages)
    {
        using var buffer = new MemoryStream();
        using var writer = new BinaryWriter(buffer);
        writer.Write(messages.Count);
        foreach (var message in messages)
        {
            writer.Write(message.Key);
            writer.Write(message.Value.Length);
            writer.Write(message.Value);
        }

        writer.Flush();
        return buffer.ToArray();
    }

    private static List<Message<string, byte[]>> Unpack(byte[] packed)
    {
        using var reader = new BinaryReader(new MemoryStream(packed));
        var count = reader.ReadInt32();
        var messages = new List<Message<string, byte[]>>(count);
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            messages.Add(new Message<string, byte[]> { Key = key, Value = reader.ReadBytes(reader.ReadInt32()) });
        }

        return messages;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Import {ImportId} failed on an unexpected problem; it is marked FAILED")]
    private partial void LogUnexpected(Exception exception, Guid importId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import {ImportId} is done: {Records} records.")]
    private partial void LogCompleted(Guid importId, long records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleted {Count} upload(s) cut off before they were answered.")]
    private partial void LogForgotten(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An import step failed; trying again shortly.")]
    private partial void LogFailed(Exception ex);
}
