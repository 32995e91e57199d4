using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ConversationFirstResponse : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "first_inbound_at",
                table: "conversations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "first_response_at",
                table: "conversations",
                type: "timestamp with time zone",
                nullable: true);

            // Conversations from before: their first visitor message and the first agent reply at or after it, tenant by
            // tenant (row-level security is forced on the owner too, so each tenant's rows are updated in its own setting).
            migrationBuilder.Sql("""
                DO $$
                DECLARE t uuid;
                BEGIN
                    FOR t IN SELECT id FROM tenants LOOP
                        PERFORM set_config('app.tenant_id', t::text, true);
                        UPDATE conversations c SET first_inbound_at = (
                            SELECT min(m.created_at) FROM messages m
                            WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id AND m.direction = 'Inbound')
                        WHERE c.tenant_id = t;
                        UPDATE conversations c SET first_response_at = (
                            SELECT min(m.created_at) FROM messages m
                            WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id AND m.direction = 'Outbound'
                              AND m.created_at >= c.first_inbound_at)
                        WHERE c.tenant_id = t AND c.first_inbound_at IS NOT NULL;
                    END LOOP;
                    PERFORM set_config('app.tenant_id', '', true);
                END $$;
                """);

            migrationBuilder.CreateIndex(
                name: "ix_webhook_deliveries_tenant_id_dead_at",
                table: "webhook_deliveries",
                columns: new[] { "tenant_id", "dead_at" },
                filter: "status = 'Dead'");

            migrationBuilder.CreateIndex(
                name: "ix_telegram_deliveries_tenant_id_created_at",
                table: "telegram_deliveries",
                columns: new[] { "tenant_id", "created_at" },
                filter: "status IN ('Failed', 'Dead')");

            migrationBuilder.CreateIndex(
                name: "ix_conversations_tenant_id_created_at",
                table: "conversations",
                columns: new[] { "tenant_id", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_webhook_deliveries_tenant_id_dead_at",
                table: "webhook_deliveries");

            migrationBuilder.DropIndex(
                name: "ix_telegram_deliveries_tenant_id_created_at",
                table: "telegram_deliveries");

            migrationBuilder.DropIndex(
                name: "ix_conversations_tenant_id_created_at",
                table: "conversations");

            migrationBuilder.DropColumn(
                name: "first_inbound_at",
                table: "conversations");

            migrationBuilder.DropColumn(
                name: "first_response_at",
                table: "conversations");
        }
    }
}
