using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TelegramChannels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "channel_id",
                table: "inbound_updates",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "chat_id",
                table: "inbound_updates",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "kind",
                table: "inbound_updates",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    friendly_name = table.Column<string>(type: "text", nullable: true),
                    xml = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_data_protection_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "telegram_channels",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    bot_id = table.Column<long>(type: "bigint", nullable: false),
                    bot_username = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    support_group_id = table.Column<long>(type: "bigint", nullable: false),
                    support_group_title = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    silent = table.Column<bool>(type: "boolean", nullable: false),
                    protected_secrets = table.Column<string>(type: "text", nullable: false),
                    token_hint = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    webhook_secret_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    previous_webhook_secret_hash = table.Column<byte[]>(type: "bytea", nullable: true),
                    previous_webhook_secret_valid_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status_reason = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    last_error = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    last_error_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    connected_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_telegram_channels", x => x.id);
                    table.ForeignKey(
                        name: "fk_telegram_channels_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_inbound_updates_bot_id_chat_id_update_id",
                table: "inbound_updates",
                columns: new[] { "bot_id", "chat_id", "update_id" },
                filter: "processed_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_telegram_channels_bot_id",
                table: "telegram_channels",
                column: "bot_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_telegram_channels_tenant_id",
                table: "telegram_channels",
                column: "tenant_id",
                unique: true);

            migrationBuilder.EnableTenantIsolation("telegram_channels");
            // The inbound webhook finds its channel before a tenant is known, through the function below (owner's rights).
            migrationBuilder.AllowOwnerLookups("telegram_channels");
            migrationBuilder.Sql("""
                CREATE FUNCTION resolve_telegram_webhook(p_channel_id uuid)
                RETURNS TABLE (tenant_id uuid, bot_id bigint, secret_hash bytea, previous_secret_hash bytea, previous_valid_until timestamptz)
                LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
                AS $$ SELECT c.tenant_id, c.bot_id, c.webhook_secret_hash, c.previous_webhook_secret_hash, c.previous_webhook_secret_valid_until
                      FROM telegram_channels c WHERE c.id = p_channel_id $$;
                """);

            // The key ring is platform-wide: services read it and add keys, nothing else (ADR 0023). Every key in it is
            // wrapped with the key-encryption key, so reading it alone opens nothing.
            migrationBuilder.Sql("""
                DO $$
                DECLARE
                  grant_row record;
                BEGIN
                  FOR grant_row IN
                    SELECT r.rolname
                    FROM pg_class c
                    CROSS JOIN LATERAL aclexplode(c.relacl) a
                    JOIN pg_roles r ON r.oid = a.grantee
                    WHERE c.relnamespace = 'public'::regnamespace AND c.relname = 'data_protection_keys'
                      AND a.grantee <> c.relowner AND NOT r.rolbypassrls AND NOT r.rolsuper
                    GROUP BY r.rolname
                  LOOP
                    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON data_protection_keys FROM %I', grant_row.rolname);
                  END LOOP;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS resolve_telegram_webhook(uuid);");
            migrationBuilder.DisableTenantIsolation("telegram_channels");
            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "telegram_channels");

            migrationBuilder.DropIndex(
                name: "ix_inbound_updates_bot_id_chat_id_update_id",
                table: "inbound_updates");

            migrationBuilder.DropColumn(
                name: "channel_id",
                table: "inbound_updates");

            migrationBuilder.DropColumn(
                name: "chat_id",
                table: "inbound_updates");

            migrationBuilder.DropColumn(
                name: "kind",
                table: "inbound_updates");
        }
    }
}
