using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace MiniCrm.Core.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class CampaignControl : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_communication_logs_status",
                table: "communication_logs");

            migrationBuilder.DropCheckConstraint(
                name: "ck_campaigns_counters",
                table: "campaigns");

            migrationBuilder.DropCheckConstraint(
                name: "ck_campaigns_status",
                table: "campaigns");

            migrationBuilder.AddColumn<int>(
                name: "cancelled_count",
                table: "campaigns",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<Guid>(
                name: "segment_id",
                table: "campaigns",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "send_at",
                table: "campaigns",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "time_zone",
                table: "campaigns",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "campaign_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    campaign_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "clock_timestamp()"),
                    changed_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_campaign_events", x => x.id);
                    table.ForeignKey(
                        name: "fk_campaign_events_campaigns_campaign_id",
                        column: x => x.campaign_id,
                        principalTable: "campaigns",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "segments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    rules = table.Column<string>(type: "jsonb", nullable: false),
                    description = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    created_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_count = table.Column<long>(type: "bigint", nullable: true),
                    counted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_segments", x => x.id);
                });

            migrationBuilder.AddCheckConstraint(
                name: "ck_communication_logs_status",
                table: "communication_logs",
                sql: "status IN ('PENDING','SENT','FAILED','CANCELLED')");

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_scheduled",
                table: "campaigns",
                column: "send_at",
                filter: "status = 'SCHEDULED'");

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_segment_id",
                table: "campaigns",
                column: "segment_id");

            migrationBuilder.AddCheckConstraint(
                name: "ck_campaigns_counters",
                table: "campaigns",
                sql: "pending_count >= 0 AND sent_count >= 0 AND failed_count >= 0 AND cancelled_count >= 0");

            migrationBuilder.AddCheckConstraint(
                name: "ck_campaigns_status",
                table: "campaigns",
                sql: "status IN ('SCHEDULED','RUNNING','PAUSED','COMPLETED','CANCELLED')");

            migrationBuilder.CreateIndex(
                name: "ix_campaign_events_campaign_id_id",
                table: "campaign_events",
                columns: new[] { "campaign_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_segments_created_at_id",
                table: "segments",
                columns: new[] { "created_at", "id" });

            migrationBuilder.AddForeignKey(
                name: "fk_campaigns_segments_segment_id",
                table: "campaigns",
                column: "segment_id",
                principalTable: "segments",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);

            // Every status change of a campaign is a row of campaign_events, written by the database itself:
            // whoever changes the status (the Api, the Workers, a person with psql), the history cannot miss
            // it. Who made it comes from the transaction's minicrm.actor setting (set_config(..., true)).
            migrationBuilder.Sql("""
                CREATE FUNCTION record_campaign_status() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO campaign_events (campaign_id, status, at, changed_by)
                    VALUES (NEW.id, NEW.status, clock_timestamp(), nullif(current_setting('minicrm.actor', true), ''));
                    RETURN NULL;
                END $$;
                CREATE TRIGGER campaigns_status_recorded AFTER INSERT ON campaigns
                    FOR EACH ROW EXECUTE FUNCTION record_campaign_status();
                CREATE TRIGGER campaigns_status_changed AFTER UPDATE OF status ON campaigns
                    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION record_campaign_status();

                -- The history the campaigns before this already have.
                INSERT INTO campaign_events (campaign_id, status, at, changed_by) SELECT id, 'RUNNING', created_at, created_by FROM campaigns;
                INSERT INTO campaign_events (campaign_id, status, at) SELECT id, 'COMPLETED', completed_at FROM campaigns WHERE status = 'COMPLETED';

                -- A saved audience's name is unique whatever its case.
                CREATE UNIQUE INDEX ix_segments_name ON segments (lower(name));
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER campaigns_status_changed ON campaigns;
                DROP TRIGGER campaigns_status_recorded ON campaigns;
                DROP FUNCTION record_campaign_status();
                """);

            migrationBuilder.DropForeignKey(
                name: "fk_campaigns_segments_segment_id",
                table: "campaigns");

            migrationBuilder.DropTable(
                name: "campaign_events");

            migrationBuilder.DropTable(
                name: "segments");

            migrationBuilder.DropCheckConstraint(
                name: "ck_communication_logs_status",
                table: "communication_logs");

            migrationBuilder.DropIndex(
                name: "ix_campaigns_scheduled",
                table: "campaigns");

            migrationBuilder.DropIndex(
                name: "ix_campaigns_segment_id",
                table: "campaigns");

            migrationBuilder.DropCheckConstraint(
                name: "ck_campaigns_counters",
                table: "campaigns");

            migrationBuilder.DropCheckConstraint(
                name: "ck_campaigns_status",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "cancelled_count",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "segment_id",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "send_at",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "time_zone",
                table: "campaigns");

            migrationBuilder.AddCheckConstraint(
                name: "ck_communication_logs_status",
                table: "communication_logs",
                sql: "status IN ('PENDING','SENT','FAILED')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_campaigns_counters",
                table: "campaigns",
                sql: "pending_count >= 0 AND sent_count >= 0 AND failed_count >= 0");

            migrationBuilder.AddCheckConstraint(
                name: "ck_campaigns_status",
                table: "campaigns",
                sql: "status IN ('RUNNING','COMPLETED')");
        }
    }
}
