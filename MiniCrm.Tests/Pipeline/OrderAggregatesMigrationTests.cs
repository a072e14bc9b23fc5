using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using MiniCrm.Core.Infrastructure;
using MiniCrm.Tests.Infrastructure;
using Npgsql;

namespace MiniCrm.Tests.Pipeline;

/// <summary>
/// Customers stored before orders had a lifecycle carry the old running sums (a refund subtracted from an order
/// that never added, cancelled orders as visits). The migration recomputes every one of them from their orders.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class OrderAggregatesMigrationTests(AppHostFixture fixture)
{
    private const string Before = "20261201234231_DataProtectionKeys";

    [Fact]
    public async Task The_migration_recomputes_existing_customers_from_their_orders()
    {
        var name = "migration_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(fixture.DatabaseConnectionString, $"CREATE DATABASE {name}");
        var scratch = new NpgsqlConnectionStringBuilder(fixture.DatabaseConnectionString) { Database = name, Pooling = false }.ConnectionString;
        try
        {
            var builder = new DbContextOptionsBuilder<CrmDbContext>().UseNpgsql(scratch, CrmDbContextOptions.ConfigureNpgsql);
            builder.UseCrmConventions();
            var options = builder.Options;
            await using (var before = new CrmDbContext(options))
            {
                await before.GetService<IMigrator>().MigrateAsync(Before);
            }

            // As the old handler left them: Asha's refund of an order never completed took her to 0 (clamped), and her
            // cancelled and refunded orders counted as visits; Ravi's aggregates were right; Meera has no orders at all.
            await ExecuteAsync(scratch, """
                INSERT INTO customers (id, name, email, city, total_spend, net_spend, visits, last_order_date) VALUES
                  ('00000000-0000-0000-0000-00000000000a', 'Asha Rao', 'asha@example.com', 'Pune', 0, -1500, 4, '2026-11-20'),
                  ('00000000-0000-0000-0000-00000000000b', 'Ravi Iyer', 'ravi@example.com', 'Pune', 700, 700, 1, '2026-11-02'),
                  ('00000000-0000-0000-0000-00000000000c', 'Meera Das', 'meera@example.com', 'Pune', 0, 0, 0, NULL);
                INSERT INTO orders (id, customer_id, order_date, amount, status) VALUES
                  ('A-1', '00000000-0000-0000-0000-00000000000a', '2026-11-01', 2500.50, 'COMPLETED'),
                  ('A-2', '00000000-0000-0000-0000-00000000000a', '2026-11-20', 4000, 'REFUNDED'),
                  ('A-3', '00000000-0000-0000-0000-00000000000a', '2026-11-25', 900, 'CANCELLED'),
                  ('A-4', '00000000-0000-0000-0000-00000000000a', '2026-11-28', 300, 'PENDING'),
                  ('R-1', '00000000-0000-0000-0000-00000000000b', '2026-11-02', 700, 'COMPLETED');
                """);

            await using (var after = new CrmDbContext(options))
            {
                await after.Database.MigrateAsync();
            }

            // Every customer equals the definition, computed here in SQL from the orders.
            Assert.Equal(0L, await ScalarAsync(scratch, """
                SELECT count(*) FROM customers c LEFT JOIN LATERAL (
                    SELECT coalesce(sum(amount) FILTER (WHERE status = 'COMPLETED'), 0) AS spend,
                           count(*) FILTER (WHERE status IN ('COMPLETED', 'REFUNDED')) AS visits,
                           max(order_date) FILTER (WHERE status IN ('COMPLETED', 'REFUNDED')) AS last_order
                    FROM orders o WHERE o.customer_id = c.id) a ON true
                WHERE c.total_spend <> a.spend OR c.visits <> a.visits OR c.last_order_date IS DISTINCT FROM a.last_order
                """));
            Assert.Equal(1L, await ScalarAsync(scratch,
                "SELECT count(*) FROM customers WHERE name = 'Asha Rao' AND total_spend = 2500.50 AND visits = 2 AND last_order_date = '2026-11-20'"));
            Assert.Equal(1L, await ScalarAsync(scratch,
                "SELECT count(*) FROM customers WHERE name = 'Ravi Iyer' AND total_spend = 700 AND visits = 1 AND last_order_date = '2026-11-02'"));
            Assert.Equal(1L, await ScalarAsync(scratch,
                "SELECT count(*) FROM customers WHERE name = 'Meera Das' AND total_spend = 0 AND visits = 0 AND last_order_date IS NULL"));
            // Stored orders keep their time as their version, so any version sent later replaces them.
            Assert.Equal(0L, await ScalarAsync(scratch, "SELECT count(*) FROM orders WHERE updated_at <> created_at"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(fixture.DatabaseConnectionString, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
