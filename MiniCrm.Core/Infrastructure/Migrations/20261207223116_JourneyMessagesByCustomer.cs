using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MiniCrm.Core.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class JourneyMessagesByCustomer : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "journey",
                table: "communication_logs",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            // The journeys' messages written before this: their campaigns say so.
            migrationBuilder.Sql("UPDATE communication_logs l SET journey = true FROM campaigns c WHERE c.id = l.campaign_id AND c.journey_id IS NOT NULL;");

            // A customer's conversions, for attribution's recompute of a few customers (instead of a probe per live campaign).
            migrationBuilder.Sql("CREATE INDEX ix_campaign_conversions_customer ON campaign_conversions (customer_id);");

            migrationBuilder.CreateIndex(
                name: "ix_communication_logs_journey_customer",
                table: "communication_logs",
                column: "customer_id",
                filter: "journey");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX ix_campaign_conversions_customer;");

            migrationBuilder.DropIndex(
                name: "ix_communication_logs_journey_customer",
                table: "communication_logs");

            migrationBuilder.DropColumn(
                name: "journey",
                table: "communication_logs");
        }
    }
}
