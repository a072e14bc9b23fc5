using Microsoft.EntityFrameworkCore.Storage;
using System.Data.Common;
using Npgsql;

namespace MiniCrm.Api.Infrastructure;

/// <summary>Raw SQL on the context's connection, for the queries LINQ cannot express well (segments, keysets over uuids).</summary>
internal static class CrmSql
{
    public static async Task<NpgsqlCommand> CommandAsync(this CrmDbContext db, string sql, IEnumerable<NpgsqlParameter> parameters, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(ct);
        }

        var command = new NpgsqlCommand(sql, connection);
        if (db.Database.CurrentTransaction?.GetDbTransaction() is NpgsqlTransaction transaction)
        {
            command.Transaction = transaction;
        }

        command.Parameters.AddRange(parameters.ToArray());
        return command;
    }

    public static async Task<List<T>> ListAsync<T>(this CrmDbContext db, string sql, IEnumerable<NpgsqlParameter> parameters, Func<DbDataReader, T> map, CancellationToken ct)
    {
        await using var command = await db.CommandAsync(sql, parameters, ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    public static T? NullableField<T>(this DbDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static string? NullableString(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
