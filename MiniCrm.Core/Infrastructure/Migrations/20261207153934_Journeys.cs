using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MiniCrm.Core.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class Journeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "journey_id",
                table: "campaigns",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_journey",
                table: "campaigns",
                column: "journey_id",
                filter: "journey_id IS NOT NULL");

            // Journeys are written and read by SQL only (the Api's JourneyService, the Workers' JourneyRunner and the
            // consumers' triggers): set-based statements over enrolments, which EF would only get in the way of.
            migrationBuilder.Sql("""
                CREATE TABLE journeys (
                    id uuid PRIMARY KEY,
                    name varchar(200) NOT NULL,
                    status text NOT NULL DEFAULT 'DRAFT' CONSTRAINT ck_journeys_status CHECK (status IN ('DRAFT','ACTIVE','PAUSED','STOPPED')),
                    version int NOT NULL,
                    live_version int NULL,
                    trigger_kind text NOT NULL,
                    created_by varchar(64) NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    activated_at timestamptz NULL,
                    stopped_at timestamptz NULL,
                    seeded_at timestamptz NULL
                );
                CREATE UNIQUE INDEX ix_journeys_name ON journeys (lower(name));
                CREATE INDEX ix_journeys_created_at_id ON journeys (created_at, id);

                -- Every saved version, never changed: customers finish the version they entered.
                CREATE TABLE journey_versions (
                    journey_id uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
                    version int NOT NULL,
                    definition jsonb NOT NULL,
                    created_by varchar(64) NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (journey_id, version)
                );

                -- One row per journey and customer: the customer's latest entry, where they are (step, and when it runs:
                -- due_at), and how they left. Claimed by due_at with SKIP LOCKED; updated in place (HOT, hence the fillfactor).
                CREATE TABLE journey_enrolments (
                    journey_id uuid NOT NULL,
                    customer_id uuid NOT NULL,
                    version int NOT NULL,
                    entries int NOT NULL DEFAULT 1,
                    step text NULL,
                    due_at timestamptz NULL,
                    entered_at timestamptz NOT NULL,
                    exited_at timestamptz NULL,
                    exit_reason text NULL CONSTRAINT ck_journey_enrolments_exit CHECK (exit_reason IN ('COMPLETED','EXIT_STEP','GOAL','STOPPED')),
                    held_out boolean NOT NULL DEFAULT false,
                    may_reenter_at timestamptz NULL,
                    PRIMARY KEY (journey_id, customer_id)
                ) WITH (fillfactor = 80);
                CREATE INDEX ix_journey_enrolments_due ON journey_enrolments (journey_id, due_at) WHERE exited_at IS NULL;
                CREATE INDEX ix_journey_enrolments_customer ON journey_enrolments (customer_id) WHERE exited_at IS NULL;

                -- Inactivity triggers: when each customer's quiet spell ends, set from their last completed order.
                CREATE TABLE journey_timers (
                    journey_id uuid NOT NULL,
                    customer_id uuid NOT NULL,
                    due_at timestamptz NOT NULL,
                    PRIMARY KEY (journey_id, customer_id)
                );
                CREATE INDEX ix_journey_timers_due ON journey_timers (due_at);

                -- Which version and step of its journey a journey's campaign sends (journey_id is in the model).
                ALTER TABLE campaigns ADD journey_version int NULL, ADD journey_step text NULL;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE journey_timers; DROP TABLE journey_enrolments; DROP TABLE journey_versions; DROP TABLE journeys;");

            migrationBuilder.DropIndex(
                name: "ix_campaigns_journey",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "journey_id",
                table: "campaigns");
        }
    }
}
