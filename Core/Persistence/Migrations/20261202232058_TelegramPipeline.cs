using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TelegramPipeline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "telegram_card_message_id",
                table: "conversations",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "telegram_group_id",
                table: "conversations",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "telegram_agents",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    telegram_user_id = table.Column<long>(type: "bigint", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_telegram_agents", x => x.id);
                    table.ForeignKey(
                        name: "fk_telegram_agents_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "telegram_deliveries",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    conversation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    event_id = table.Column<Guid>(type: "uuid", nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    target = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    lease_id = table.Column<Guid>(type: "uuid", nullable: true),
                    leased_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    chat_id = table.Column<long>(type: "bigint", nullable: true),
                    telegram_message_id = table.Column<long>(type: "bigint", nullable: true),
                    last_error = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_telegram_deliveries", x => x.id);
                    table.ForeignKey(
                        name: "fk_telegram_deliveries_conversations_tenant_id_conversation_id",
                        columns: x => new { x.tenant_id, x.conversation_id },
                        principalTable: "conversations",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "telegram_message_refs",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    bot_id = table.Column<long>(type: "bigint", nullable: false),
                    chat_id = table.Column<long>(type: "bigint", nullable: false),
                    telegram_message_id = table.Column<long>(type: "bigint", nullable: false),
                    conversation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_telegram_message_refs", x => new { x.tenant_id, x.bot_id, x.chat_id, x.telegram_message_id });
                    table.ForeignKey(
                        name: "fk_telegram_message_refs_conversations_tenant_id_conversation_",
                        columns: x => new { x.tenant_id, x.conversation_id },
                        principalTable: "conversations",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_telegram_agents_tenant_id_name",
                table: "telegram_agents",
                columns: new[] { "tenant_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_telegram_agents_tenant_id_telegram_user_id",
                table: "telegram_agents",
                columns: new[] { "tenant_id", "telegram_user_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_telegram_deliveries_conversation_id_seq",
                table: "telegram_deliveries",
                columns: new[] { "conversation_id", "seq" },
                filter: "status = 'Pending'");

            migrationBuilder.CreateIndex(
                name: "ix_telegram_deliveries_tenant_id_conversation_id",
                table: "telegram_deliveries",
                columns: new[] { "tenant_id", "conversation_id" });

            migrationBuilder.CreateIndex(
                name: "ix_telegram_deliveries_tenant_id_event_id_target_kind",
                table: "telegram_deliveries",
                columns: new[] { "tenant_id", "event_id", "target", "kind" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_telegram_deliveries_tenant_id_message_id",
                table: "telegram_deliveries",
                columns: new[] { "tenant_id", "message_id" },
                filter: "message_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_telegram_message_refs_tenant_id_conversation_id",
                table: "telegram_message_refs",
                columns: new[] { "tenant_id", "conversation_id" });

            migrationBuilder.CreateIndex(
                name: "ix_telegram_message_refs_tenant_id_message_id",
                table: "telegram_message_refs",
                columns: new[] { "tenant_id", "message_id" },
                filter: "message_id IS NOT NULL");

            migrationBuilder.EnableTenantIsolation("telegram_agents");
            migrationBuilder.EnableTenantIsolation("telegram_deliveries");
            migrationBuilder.EnableTenantIsolation("telegram_message_refs");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DisableTenantIsolation("telegram_agents");
            migrationBuilder.DisableTenantIsolation("telegram_deliveries");
            migrationBuilder.DisableTenantIsolation("telegram_message_refs");
            migrationBuilder.DropTable(
                name: "telegram_agents");

            migrationBuilder.DropTable(
                name: "telegram_deliveries");

            migrationBuilder.DropTable(
                name: "telegram_message_refs");

            migrationBuilder.DropColumn(
                name: "telegram_card_message_id",
                table: "conversations");

            migrationBuilder.DropColumn(
                name: "telegram_group_id",
                table: "conversations");
        }
    }
}
