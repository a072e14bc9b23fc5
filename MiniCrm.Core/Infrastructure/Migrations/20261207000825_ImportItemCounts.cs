using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MiniCrm.Core.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class ImportItemCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "first_problem",
                table: "imports",
                type: "character varying(700)",
                maxLength: 700,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "items_read",
                table: "imports",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "rejected_lines",
                table: "imports",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "first_problem",
                table: "import_batches",
                type: "character varying(700)",
                maxLength: 700,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "items_read",
                table: "import_batches",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "rejected_lines",
                table: "import_batches",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "first_problem",
                table: "imports");

            migrationBuilder.DropColumn(
                name: "items_read",
                table: "imports");

            migrationBuilder.DropColumn(
                name: "rejected_lines",
                table: "imports");

            migrationBuilder.DropColumn(
                name: "first_problem",
                table: "import_batches");

            migrationBuilder.DropColumn(
                name: "items_read",
                table: "import_batches");

            migrationBuilder.DropColumn(
                name: "rejected_lines",
                table: "import_batches");
        }
    }
}
