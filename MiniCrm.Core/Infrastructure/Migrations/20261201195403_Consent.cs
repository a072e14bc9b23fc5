using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MiniCrm.Core.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class Consent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pgcrypto", ",,");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "unsubscribed_at",
                table: "customers",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "unsubscribed_via",
                table: "customers",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "excluded_for_consent",
                table: "campaigns",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "excluded_for_frequency_cap",
                table: "campaigns",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "ix_communication_logs_created_at",
                table: "communication_logs",
                column: "created_at")
                .Annotation("Npgsql:IndexMethod", "brin");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_communication_logs_created_at",
                table: "communication_logs");

            migrationBuilder.DropColumn(
                name: "unsubscribed_at",
                table: "customers");

            migrationBuilder.DropColumn(
                name: "unsubscribed_via",
                table: "customers");

            migrationBuilder.DropColumn(
                name: "excluded_for_consent",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "excluded_for_frequency_cap",
                table: "campaigns");

            migrationBuilder.AlterDatabase()
                .OldAnnotation("Npgsql:PostgresExtension:pgcrypto", ",,");
        }
    }
}
