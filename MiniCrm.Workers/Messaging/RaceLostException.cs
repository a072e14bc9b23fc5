namespace MiniCrm.Workers.Messaging;

/// <summary>
/// A batch found that something it read had changed before it wrote (another consumer got there, as during a
/// rebalance): nothing of it was committed, and the consumer tries the batch again, as it does when the database is away.
/// </summary>
public sealed class RaceLostException(string message) : Exception(message);
