using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Retention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "retention_days",
                table: "tenants",
                type: "integer",
                nullable: false,
                defaultValue: 365);

            migrationBuilder.CreateIndex(
                name: "ix_messages_tenant_id_created_at",
                table: "messages",
                columns: new[] { "tenant_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_attachments_tenant_id_created_at",
                table: "attachments",
                columns: new[] { "tenant_id", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_messages_tenant_id_created_at",
                table: "messages");

            migrationBuilder.DropIndex(
                name: "ix_attachments_tenant_id_created_at",
                table: "attachments");

            migrationBuilder.DropColumn(
                name: "retention_days",
                table: "tenants");
        }
    }
}
