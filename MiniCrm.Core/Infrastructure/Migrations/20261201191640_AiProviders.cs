using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MiniCrm.Core.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class AiProviders : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "intent_provider",
                table: "campaigns",
                type: "character varying(40)",
                maxLength: 40,
                nullable: false,
                defaultValue: "offline");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "summary_due_at",
                table: "campaigns",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "summary_provider",
                table: "campaigns",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            // Every summary before this was the offline one.
            migrationBuilder.Sql("UPDATE campaigns SET summary_provider = 'offline' WHERE summary IS NOT NULL;");

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_summary_due",
                table: "campaigns",
                column: "summary_due_at",
                filter: "summary_due_at IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_campaigns_summary_due",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "intent_provider",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "summary_due_at",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "summary_provider",
                table: "campaigns");
        }
    }
}
