using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MiniCrm.Core.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class LastCampaignMessages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "last_campaign_messages",
                columns: table => new
                {
                    customer_id = table.Column<Guid>(type: "uuid", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    campaign_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_last_campaign_messages", x => x.customer_id);
                })
                .Annotation("Npgsql:StorageParameter:fillfactor", 70);

            // Messages written before this table existed still count for smart sending (at most its longest window),
            // each customer's latest one that was not cancelled.
            migrationBuilder.Sql("""
                INSERT INTO last_campaign_messages (customer_id, at, campaign_id)
                SELECT DISTINCT ON (customer_id) customer_id, created_at, campaign_id FROM communication_logs
                WHERE created_at > now() - interval '168 hours' AND status <> 'CANCELLED' AND campaign_id IN (SELECT id FROM campaigns)
                ORDER BY customer_id, created_at DESC;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "last_campaign_messages");
        }
    }
}
