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
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_last_campaign_messages", x => x.customer_id);
                })
                .Annotation("Npgsql:StorageParameter:fillfactor", 70);

            // Messages written before this table existed still count for smart sending (at most its longest window).
            migrationBuilder.Sql("""
                INSERT INTO last_campaign_messages (customer_id, at)
                SELECT customer_id, max(created_at) FROM communication_logs
                WHERE created_at > now() - interval '168 hours' AND campaign_id IN (SELECT id FROM campaigns)
                GROUP BY customer_id;
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
