using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MiniCrm.Core.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class CampaignOutcomes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_communication_logs_status",
                table: "communication_logs");

            migrationBuilder.AddColumn<int>(
                name: "attribution_days",
                table: "campaigns",
                type: "integer",
                nullable: false,
                defaultValue: 7);

            migrationBuilder.AddColumn<int>(
                name: "held_out_count",
                table: "campaigns",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "holdout_percent",
                table: "campaigns",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddCheckConstraint(
                name: "ck_communication_logs_status",
                table: "communication_logs",
                sql: "status IN ('PENDING','SENT','FAILED','CANCELLED','HELD_OUT')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_campaigns_attribution_days",
                table: "campaigns",
                sql: "attribution_days BETWEEN 1 AND 90");

            migrationBuilder.AddCheckConstraint(
                name: "ck_campaigns_holdout",
                table: "campaigns",
                sql: "holdout_percent BETWEEN 0 AND 50 AND held_out_count >= 0");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_communication_logs_status",
                table: "communication_logs");

            migrationBuilder.DropCheckConstraint(
                name: "ck_campaigns_attribution_days",
                table: "campaigns");

            migrationBuilder.DropCheckConstraint(
                name: "ck_campaigns_holdout",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "attribution_days",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "held_out_count",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "holdout_percent",
                table: "campaigns");

            migrationBuilder.AddCheckConstraint(
                name: "ck_communication_logs_status",
                table: "communication_logs",
                sql: "status IN ('PENDING','SENT','FAILED','CANCELLED')");
        }
    }
}
