using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MiniCrm.Core.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class OrderLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Total spend becomes a plain sum of completed orders: unbounded, so it never saturates.
            migrationBuilder.Sql("ALTER TABLE customers ALTER COLUMN total_spend TYPE numeric;");
            migrationBuilder.DropColumn(
                name: "net_spend",
                table: "customers");

            migrationBuilder.AddColumn<Guid>(
                name: "submission_id",
                table: "orders",
                type: "uuid",
                nullable: false,
                defaultValueSql: "'00000000-0000-0000-0000-000000000000'::uuid");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "updated_at",
                table: "orders",
                type: "timestamp with time zone",
                nullable: false,
                defaultValueSql: "now()");

            // A stored order's version is the one it was stored as: any version sent from now on is later.
            migrationBuilder.Sql("UPDATE orders SET updated_at = created_at;");

            // Aggregates were running sums that counted a refund against an order that never added its amount,
            // and cancelled and refunded orders as visits. Recompute every customer from their orders, as
            // OrderLifecycle defines them now (a copy: this migration must not change with later definitions).
            migrationBuilder.Sql("""
                UPDATE customers c
                SET total_spend = a.total_spend, visits = a.visits, last_order_date = a.last_order_date
                FROM (SELECT customer_id,
                             coalesce(sum(amount) FILTER (WHERE status = 'COMPLETED'), 0) AS total_spend,
                             count(*) FILTER (WHERE status IN ('COMPLETED', 'REFUNDED'))::int AS visits,
                             max(order_date) FILTER (WHERE status IN ('COMPLETED', 'REFUNDED')) AS last_order_date
                      FROM orders GROUP BY customer_id) a
                WHERE a.customer_id = c.id
                  AND (c.total_spend, c.visits, c.last_order_date) IS DISTINCT FROM (a.total_spend, a.visits, a.last_order_date);
                UPDATE customers c SET total_spend = 0, visits = 0, last_order_date = NULL
                WHERE (c.total_spend <> 0 OR c.visits <> 0 OR c.last_order_date IS NOT NULL)
                  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "submission_id",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "updated_at",
                table: "orders");

            migrationBuilder.Sql("ALTER TABLE customers ALTER COLUMN total_spend TYPE numeric(14,2);");
            migrationBuilder.AddColumn<decimal>(
                name: "net_spend",
                table: "customers",
                type: "numeric(14,2)",
                precision: 14,
                scale: 2,
                nullable: false,
                defaultValue: 0m);
        }
    }
}
