using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ConversationListIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_conversations_tenant_id_status",
                table: "conversations");

            migrationBuilder.DropIndex(
                name: "ix_conversations_tenant_id_updated_at",
                table: "conversations");

            migrationBuilder.CreateIndex(
                name: "ix_conversations_tenant_id_status_updated_at_id",
                table: "conversations",
                columns: new[] { "tenant_id", "status", "updated_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_conversations_tenant_id_updated_at_id",
                table: "conversations",
                columns: new[] { "tenant_id", "updated_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_conversations_tenant_id_status_updated_at_id",
                table: "conversations");

            migrationBuilder.DropIndex(
                name: "ix_conversations_tenant_id_updated_at_id",
                table: "conversations");

            migrationBuilder.CreateIndex(
                name: "ix_conversations_tenant_id_status",
                table: "conversations",
                columns: new[] { "tenant_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_conversations_tenant_id_updated_at",
                table: "conversations",
                columns: new[] { "tenant_id", "updated_at" });
        }
    }
}
