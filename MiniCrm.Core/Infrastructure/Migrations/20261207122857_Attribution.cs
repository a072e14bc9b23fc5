using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MiniCrm.Core.Infrastructure.Migrations
{
    /// <summary>
    /// The kept tally of what campaigns earned (<see cref="MiniCrm.Core.Outcomes.AttributionSql"/>): one row per campaign and
    /// customer who ordered in its window, and the queue of customers whose orders changed. Plain SQL: the application reads
    /// and writes both only with set-based statements. The customers of every campaign that is still live are queued, so the
    /// job fills the tally for campaigns that ran before it existed.
    /// </summary>
    public partial class Attribution : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE campaign_conversions (
                    campaign_id uuid NOT NULL,
                    customer_id uuid NOT NULL,
                    held boolean NOT NULL,
                    orders integer NOT NULL,
                    revenue numeric NOT NULL,
                    last_touch numeric NOT NULL,
                    first_order_at timestamp with time zone NOT NULL,
                    CONSTRAINT pk_campaign_conversions PRIMARY KEY (campaign_id, customer_id)
                );
                CREATE TABLE attribution_queue (
                    customer_id uuid NOT NULL,
                    due_at timestamp with time zone NOT NULL DEFAULT now(),
                    CONSTRAINT pk_attribution_queue PRIMARY KEY (customer_id)
                );
                CREATE INDEX ix_attribution_queue_due_at ON attribution_queue (due_at);
                INSERT INTO attribution_queue (customer_id)
                SELECT DISTINCT l.customer_id FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id
                WHERE l.status IN ('SENT', 'HELD_OUT') AND c.prepared_at IS NOT NULL
                  AND coalesce(greatest(c.completed_at, c.last_receipt_at), now()) + make_interval(days => c.attribution_days) + interval '1 hours' > now();
                """);
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE attribution_queue; DROP TABLE campaign_conversions;");
        }
    }
}
