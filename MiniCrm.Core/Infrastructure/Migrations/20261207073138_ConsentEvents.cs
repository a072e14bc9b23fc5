using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace MiniCrm.Core.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class ConsentEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "consent_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    customer_id = table.Column<Guid>(type: "uuid", nullable: false),
                    change = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    via = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    by_user = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "clock_timestamp()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_consent_events", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_consent_events_customer_id_id",
                table: "consent_events",
                columns: new[] { "customer_id", "id" });

            // Who opted out before the history existed: one event each, from what the customer row kept.
            migrationBuilder.Sql("""
                INSERT INTO consent_events (customer_id, change, via, at)
                SELECT id, 'UNSUBSCRIBED', coalesce(unsubscribed_via, 'unknown'), unsubscribed_at FROM customers WHERE unsubscribed_at IS NOT NULL
                """);

            // Append-only: a consent history that can be rewritten proves nothing.
            migrationBuilder.Sql("""
                CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'consent_events is append-only: % refused', TG_OP;
                END $$;
                CREATE TRIGGER consent_events_append_only BEFORE UPDATE OR DELETE ON consent_events
                    FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "consent_events");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS consent_events_append_only()");
        }
    }
}
