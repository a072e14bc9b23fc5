using MiniCrm.Core.Messaging;
using MiniCrm.Workers.Journeys;
using MiniCrm.Workers.Messaging;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Workers.Customers;

/// <summary>
/// Writes a batch of customers in one statement. New customers are the common case, so the batch
/// is first written with binary COPY, the cheapest way into PostgreSQL for both sides (it is the
/// benchmark's floor). A customer whose id, email or phone exists already makes the COPY fail as a
/// whole, and the batch is then inserted with ON CONFLICT DO NOTHING, which skips such customers:
/// a redelivered message changes nothing. A skipped customer whose id is new (two requests raced with
/// the same email or phone, and each got an id) has that id recorded as an alias of the stored
/// customer, so every id the Api answered with names a customer. The customers stored are entered into the journeys they
/// start (welcome journeys, audiences they are in from the start) in the same transaction (<see cref="JourneyTriggers"/>).
/// </summary>
public sealed class CustomerBatchHandler(NpgsqlDataSource database, JourneyTriggers journeys) : IBatchHandler<CustomerSubmitted>
{
    private const string InsertMissing = """
        INSERT INTO customers (id, name, email, phone, city, created_at)
        SELECT id, name, email, phone, city, created_at
        FROM unnest(@ids, @names, @emails, @phones, @cities, @created) AS c(id, name, email, phone, city, created_at)
        ON CONFLICT DO NOTHING
        RETURNING id
        """;

    private const string RecordAliases = """
        INSERT INTO customer_aliases (id, customer_id)
        SELECT s.id, coalesce(
            (SELECT c.id FROM customers c WHERE c.email = s.email),
            (SELECT c.id FROM customers c WHERE c.phone = s.phone))
        FROM unnest(@ids, @emails, @phones) AS s(id, email, phone)
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = s.id)
          AND coalesce((SELECT c.id FROM customers c WHERE c.email = s.email), (SELECT c.id FROM customers c WHERE c.phone = s.phone)) IS NOT NULL
        ON CONFLICT DO NOTHING
        """;

    public async Task HandleAsync(IReadOnlyList<Consumed<CustomerSubmitted>> batch, CancellationToken ct)
    {
        var messages = batch.Select(b => b.Message).ToList();
        try
        {
            await CopyAsync(messages, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await InsertMissingAsync(messages, ct);
        }
    }

    private async Task CopyAsync(List<CustomerSubmitted> messages, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var copy = await connection.BeginBinaryImportAsync(
            "COPY customers (id, name, email, phone, city, created_at) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var customer in messages)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(customer.CustomerId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(customer.Name, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(customer.Email, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(copy, customer.Phone, ct);
            await WriteNullableAsync(copy, customer.City, ct);
            await copy.WriteAsync(customer.SubmittedAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
        }

        await copy.CompleteAsync(ct);
        await copy.DisposeAsync();
        await journeys.CustomersCreatedAsync(connection, transaction, [.. messages.Select(m => m.CustomerId)], ct);
        await transaction.CommitAsync(ct);
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken ct)
    {
        if (value is null)
        {
            await copy.WriteNullAsync(ct);
        }
        else
        {
            await copy.WriteAsync(value, NpgsqlDbType.Text, ct);
        }
    }

    private async Task InsertMissingAsync(List<CustomerSubmitted> messages, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var command = new NpgsqlCommand(InsertMissing, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. messages.Select(m => m.CustomerId)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("names", [.. messages.Select(m => m.Name)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("emails", [.. messages.Select(m => m.Email)]));
        command.Parameters.Add(new NpgsqlParameter("phones", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = messages.Select(m => (object?)m.Phone ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("cities", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = messages.Select(m => (object?)m.City ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("created", [.. messages.Select(m => m.SubmittedAt.UtcDateTime)]));
        var created = new List<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                created.Add(reader.GetGuid(0));
            }
        }

        // A second statement, so it sees the rows the first one inserted.
        await using var aliases = new NpgsqlCommand(RecordAliases, connection, transaction);
        aliases.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. messages.Select(m => m.CustomerId)]));
        aliases.Parameters.Add(new NpgsqlParameter<string[]>("emails", [.. messages.Select(m => m.Email)]));
        aliases.Parameters.Add(new NpgsqlParameter("phones", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = messages.Select(m => (object?)m.Phone ?? DBNull.Value).ToArray() });
        await aliases.ExecuteNonQueryAsync(ct);
        await journeys.CustomersCreatedAsync(connection, transaction, [.. created], ct);
        await transaction.CommitAsync(ct);
    }
}
