using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using MiniCrm.Core.Messaging;
using MiniCrm.ServiceDefaults.Kafka;
using Npgsql;

namespace MiniCrm.Workers.Messaging;

/// <summary>Handles a batch of messages in one database transaction; throwing means "nothing of it happened".</summary>
public interface IBatchHandler<TMessage>
{
    Task HandleAsync(IReadOnlyList<Consumed<TMessage>> batch, CancellationToken ct);
}

/// <summary>A message and the trace context of the span that produced it.</summary>
public sealed record Consumed<TMessage>(TMessage Message, ActivityContext Producer);

/// <summary>A consumer group's batching: <c>Consumers:&lt;group&gt;:*</c>, named by the group. Bound and validated at start.</summary>
public sealed class BatchConsumerOptions
{
    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 5_000;

    [System.ComponentModel.DataAnnotations.Range(1, 60_000)]
    public int BatchWindowMilliseconds { get; set; } = 200;

    /// <summary>
    /// Batches handled at the same time. With 2, the next batch is gathered and written while the
    /// previous one is still in the database, so PostgreSQL can use a second core; offsets are
    /// still committed strictly in order. Only for handlers whose batches cannot deadlock each other.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 16)]
    public int MaxBatchesInFlight { get; set; } = 1;
}

/// <summary>
/// The Workers' consumer loop, the same for every topic:
/// <list type="number">
/// <item>gathers up to <c>MaxBatchSize</c> messages or what arrives within the window;</item>
/// <item>sends messages that cannot be read to the topic's dead-letter topic with the reason, so they never block a partition;</item>
/// <item>hands the rest to the handler, which commits one database transaction (retried with backoff while the database is unavailable);</item>
/// <item>commits the offsets only after that transaction: a crash in between redelivers the batch, and handlers are idempotent.</item>
/// </list>
/// An error that is not transient (bad data, or a message the handler cannot process) and keeps failing
/// a batch is narrowed down to the message that causes it, which is dead-lettered; transient errors
/// (the database away) are retried for as long as they last.
/// An offset that fell out of the broker's retention is an error that turns the consumer unhealthy; it is never skipped silently.
/// </summary>
public sealed partial class KafkaBatchConsumer<TMessage>(
    string topic,
    string group,
    IConsumer<string, byte[]> consumer,
    KafkaClientHealth health,
    IProducer<string, byte[]> deadLetters,
    IServiceScopeFactory scopes,
    BatchConsumerOptions options,
    ILogger<KafkaBatchConsumer<TMessage>> logger) : BackgroundService
{
    private const int AttemptsBeforeIsolating = 3;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // Consume() blocks; give the loop a thread of its own rather than a pool thread.
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken ct)
    {
        consumer.Subscribe(topic);
        LogSubscribed(topic, group);
        var inFlight = new Queue<(List<ConsumeResult<string, byte[]>> Batch, Task Work)>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    // Commit, in order, what the database has; wait for the oldest batch when the pipeline is full.
                    while (inFlight.TryPeek(out var oldest) && (oldest.Work.IsCompleted || inFlight.Count >= Math.Max(1, options.MaxBatchesInFlight)))
                    {
                        PollPausedUntil(oldest.Work, ct);
                        await oldest.Work;
                        inFlight.Dequeue();
                        Commit(oldest.Batch);
                    }

                    var batch = Gather(firstWaitMilliseconds: inFlight.Count == 0 ? 1000 : 50, ct);
                    if (batch.Count > 0)
                    {
                        inFlight.Enqueue((batch, Task.Run(() => ProcessAsync(batch, ct), ct)));
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Nothing of the failed batch (or of those after it) is committed: the consumer rewinds to
                    // the oldest uncommitted message and consumes it again. The loop must not die silently.
                    health.ReportFailure($"{topic}: {ex.Message}");
                    LogLoopFailed(ex, topic);
                    await RewindAsync(inFlight);
                    await Task.Delay(TimeSpan.FromSeconds(5), ct);
                    health.Clear();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <summary>
    /// A batch can take long: while the database is away it is retried for as long as that lasts. A
    /// consumer that does not poll for max.poll.interval.ms is put out of its group, its partitions
    /// move, and its uncommitted batches are read again elsewhere. So while the pipeline waits for a
    /// batch, the partitions are paused and the consumer goes on polling, which keeps its membership.
    /// A message fetched before the pause is sought back, to be read again after the resume.
    /// </summary>
    private void PollPausedUntil(Task work, CancellationToken ct)
    {
        if (work.IsCompleted)
        {
            return;
        }

        consumer.Pause(consumer.Assignment);
        try
        {
            while (!work.IsCompleted && !ct.IsCancellationRequested)
            {
                try
                {
                    if (consumer.Consume(200) is { IsPartitionEOF: false } early)
                    {
                        consumer.Seek(early.TopicPartitionOffset);
                        consumer.Pause([early.TopicPartition]); // newly assigned by a rebalance meanwhile
                    }
                }
                catch (ConsumeException ex)
                {
                    LogConsumeError(topic, ex.Error.Code, ex.Error.Reason);
                }
                catch (KafkaException ex)
                {
                    LogSeekFailed(topic, ex.Error.Reason);
                }
            }
        }
        finally
        {
            consumer.Resume(consumer.Assignment);
        }
    }

    /// <summary>Lets the batches in flight finish, then seeks every partition they came from back to their first message.</summary>
    private async Task RewindAsync(Queue<(List<ConsumeResult<string, byte[]>> Batch, Task Work)> inFlight)
    {
        var uncommitted = inFlight.SelectMany(f => f.Batch).ToList();
        foreach (var (_, work) in inFlight)
        {
            try
            {
                await work;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Already reported through the batch that failed first.
            }
        }

        inFlight.Clear();
        foreach (var start in uncommitted.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, new Offset(g.Min(r => r.Offset.Value)))))
        {
            try
            {
                consumer.Seek(start);
            }
            catch (KafkaException ex)
            {
                // The partition is no longer ours: its new owner starts from the committed offset.
                LogSeekFailed(topic, ex.Error.Reason);
            }
        }
    }

    private List<ConsumeResult<string, byte[]>> Gather(int firstWaitMilliseconds, CancellationToken ct)
    {
        var batch = new List<ConsumeResult<string, byte[]>>();
        var window = Stopwatch.StartNew();
        while (batch.Count < options.MaxBatchSize && !ct.IsCancellationRequested)
        {
            var wait = batch.Count == 0 ? firstWaitMilliseconds : options.BatchWindowMilliseconds - (int)window.ElapsedMilliseconds;
            if (wait <= 0)
            {
                break;
            }

            try
            {
                var result = consumer.Consume(wait);
                if (result is null)
                {
                    // Nothing came: hand back what there is, even nothing, so that batches in flight get
                    // committed. (Waiting here for a message would deadlock with a producer that waits
                    // for those commits: the Api's backpressure.)
                    break;
                }

                if (!result.IsPartitionEOF)
                {
                    batch.Add(result);
                    if (batch.Count == 1)
                    {
                        window.Restart(); // the window runs from the first message
                    }
                }
            }
            catch (ConsumeException ex) when (ex.Error.Code == ErrorCode.Local_AutoOffsetReset || ex.Error.Code == ErrorCode.OffsetOutOfRange)
            {
                var reason = $"{topic}: the committed offset is no longer in the broker (messages were dropped by retention before this group read them): {ex.Error.Reason}";
                health.ReportFailure(reason);
                LogOffsetOutOfRange(reason);
            }
            catch (ConsumeException ex)
            {
                LogConsumeError(topic, ex.Error.Code, ex.Error.Reason);
            }
        }

        return batch;
    }

    private async Task ProcessAsync(List<ConsumeResult<string, byte[]>> batch, CancellationToken ct)
    {
        var readable = new List<(ConsumeResult<string, byte[]> Result, Consumed<TMessage> Message)>(batch.Count);
        var poison = new List<(ConsumeResult<string, byte[]> Result, string Reason)>();
        foreach (var result in batch)
        {
            try
            {
                readable.Add((result, new Consumed<TMessage>(MessageJson.Deserialize<TMessage>(result.Message.Value), KafkaTelemetry.Extract(result.Message.Headers))));
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException)
            {
                poison.Add((result, $"Unreadable {typeof(TMessage).Name}: {ex.Message}"));
            }
        }

        if (readable.Count > 0)
        {
            using var activity = KafkaTelemetry.StartProcessBatch(topic, readable.Select(r => r.Message.Producer), readable.Count, group);
            poison.AddRange(await HandleWithRetriesAsync(readable, ct));
        }

        foreach (var (result, reason) in poison)
        {
            await DeadLetterAsync(result, reason, ct);
        }
    }

    /// <returns>The messages that turned out to be poison, with their reasons.</returns>
    private async Task<List<(ConsumeResult<string, byte[]>, string)>> HandleWithRetriesAsync(
        List<(ConsumeResult<string, byte[]> Result, Consumed<TMessage> Message)> readable, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await HandleAsync([.. readable.Select(r => r.Message)], ct);
                return [];
            }
            catch (Exception ex) when (!IsTransient(ex) && ex is not OperationCanceledException && attempt >= AttemptsBeforeIsolating)
            {
                // Bad data, or a message the handler cannot process: the same input fails again,
                // so retrying forever would block the partition. Find the message and dead-letter it.
                LogIsolating(topic, readable.Count, ex.Message);
                return await IsolatePoisonAsync(readable, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(attempt, 7))));
                LogRetry(ex, topic, attempt, delay.TotalSeconds);
                await Task.Delay(delay, ct);
            }
        }
    }

    private async Task<List<(ConsumeResult<string, byte[]>, string)>> IsolatePoisonAsync(
        List<(ConsumeResult<string, byte[]> Result, Consumed<TMessage> Message)> readable, CancellationToken ct)
    {
        var poison = new List<(ConsumeResult<string, byte[]>, string)>();
        foreach (var (result, message) in readable)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await HandleAsync([message], ct);
                    break;
                }
                catch (Exception ex) when (!IsTransient(ex) && ex is not OperationCanceledException)
                {
                    poison.Add((result, IsDataError(ex) ? $"Rejected by the database: {ex.Message}" : $"Could not be handled ({ex.GetType().Name}): {ex.Message}"));
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRetry(ex, topic, attempt, 1);
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
            }
        }

        return poison;
    }

    private async Task HandleAsync(IReadOnlyList<Consumed<TMessage>> messages, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IBatchHandler<TMessage>>().HandleAsync(messages, ct);
    }

    /// <summary>Errors that pass by themselves (the database or broker away, a timeout, a deadlock): retried for as long as they last.</summary>
    private static bool IsTransient(Exception ex) =>
        ex is System.Data.Common.DbException { IsTransient: true } or TimeoutException or KafkaException or HttpRequestException or IOException or RaceLostException ||
        (ex.InnerException is { } inner && IsTransient(inner));

    /// <summary>Errors the same input will always cause again (bad data), as opposed to an unavailable database.</summary>
    private static bool IsDataError(Exception ex) =>
        ex is InvalidDataException ||
        (ex is PostgresException pg && (pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("23", StringComparison.Ordinal)));

    private async Task DeadLetterAsync(ConsumeResult<string, byte[]> result, string reason, CancellationToken ct)
    {
        var headers = new Headers();
        foreach (var header in result.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        headers.Add("dlq-reason", Encoding.UTF8.GetBytes(reason));
        headers.Add("dlq-source", Encoding.UTF8.GetBytes($"{result.Topic}/{result.Partition.Value}/{result.Offset.Value}"));
        headers.Add("dlq-consumer-group", Encoding.UTF8.GetBytes(group));

        // Acknowledged before the offset is committed: a dead letter is never lost either.
        await deadLetters.ProduceAsync(KafkaTopics.DeadLetterOf(result.Topic),
            new Message<string, byte[]> { Key = result.Message.Key, Value = result.Message.Value, Headers = headers }, ct);
        LogDeadLettered(result.Topic, result.Partition.Value, result.Offset.Value, reason);
    }

    private void Commit(List<ConsumeResult<string, byte[]>> batch)
    {
        var offsets = batch
            .GroupBy(r => r.TopicPartition)
            .Select(g => new TopicPartitionOffset(g.Key, new Offset(g.Max(r => r.Offset.Value) + 1)))
            .ToList();
        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException ex)
        {
            // The partitions moved to another member during the batch; it will redeliver, and handlers are idempotent.
            LogCommitFailed(topic, ex.Error.Reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Topic} as group {Group}.")]
    private partial void LogSubscribed(string topic, string group);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Topic} consumer failed unexpectedly; it consumes again from the oldest uncommitted message.")]
    private partial void LogLoopFailed(Exception ex, string topic);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Reason}")]
    private partial void LogOffsetOutOfRange(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consuming {Topic} failed: {Code} {Reason}")]
    private partial void LogConsumeError(string topic, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handling a batch of {Topic} failed (attempt {Attempt}); retrying in {Seconds:0.#} s.")]
    private partial void LogRetry(Exception ex, string topic, int attempt, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} {Topic} messages keeps failing ({Reason}); handling them one by one to find the bad ones.")]
    private partial void LogIsolating(string topic, int count, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettered {Topic}/{Partition}/{Offset}: {Reason}")]
    private partial void LogDeadLettered(string topic, int partition, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rewinding {Topic} failed: {Reason}")]
    private partial void LogSeekFailed(string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing offsets of {Topic} failed: {Reason}")]
    private partial void LogCommitFailed(string topic, string reason);
}
