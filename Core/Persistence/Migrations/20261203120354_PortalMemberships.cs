using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class PortalMemberships : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "agent_name",
                table: "memberships",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "disabled_at",
                table: "memberships",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "read_states",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    conversation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    last_read_seq = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_read_states", x => new { x.tenant_id, x.user_id, x.conversation_id });
                    table.ForeignKey(
                        name: "fk_read_states_conversations_tenant_id_conversation_id",
                        columns: x => new { x.tenant_id, x.conversation_id },
                        principalTable: "conversations",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_read_states_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_read_states_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            // Existing members claim under their display name (made unique in the tenant) before the name becomes unique.
            migrationBuilder.Sql("""
                UPDATE memberships m SET agent_name = LEFT(n.name, 200)
                FROM (
                    SELECT m2.id,
                           CASE WHEN row_number() OVER (PARTITION BY m2.tenant_id, COALESCE(NULLIF(u.display_name, ''), u.email) ORDER BY m2.created_at) = 1
                                THEN COALESCE(NULLIF(u.display_name, ''), u.email, m2.id::text)
                                ELSE COALESCE(NULLIF(u.display_name, ''), u.email, '') || ' (' || LEFT(m2.id::text, 8) || ')' END AS name
                    FROM memberships m2 JOIN users u ON u.id = m2.user_id
                ) n
                WHERE n.id = m.id;
                """);

            migrationBuilder.CreateIndex(
                name: "ix_memberships_tenant_id_agent_name",
                table: "memberships",
                columns: new[] { "tenant_id", "agent_name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_read_states_tenant_id_conversation_id",
                table: "read_states",
                columns: new[] { "tenant_id", "conversation_id" });

            migrationBuilder.CreateIndex(
                name: "ix_read_states_user_id",
                table: "read_states",
                column: "user_id");

            migrationBuilder.EnableTenantIsolation("read_states");
            migrationBuilder.AllowOwnerLookups("memberships");

            // The portal knows a signed-in user before it knows a tenant: their active memberships, and nothing else.
            migrationBuilder.Sql("""
                CREATE FUNCTION user_memberships(p_user_id uuid)
                RETURNS TABLE (membership_id uuid, tenant_id uuid, role text, can_manage_support_chats boolean, agent_name text)
                LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
                AS $$
                    SELECT m.id, m.tenant_id, m.role::text, m.can_manage_support_chats, m.agent_name::text
                    FROM memberships m WHERE m.user_id = p_user_id AND m.disabled_at IS NULL
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS user_memberships(uuid);");
            migrationBuilder.Sql("DROP POLICY IF EXISTS owner_lookup ON memberships;");
            migrationBuilder.DropTable(
                name: "read_states");

            migrationBuilder.DropIndex(
                name: "ix_memberships_tenant_id_agent_name",
                table: "memberships");

            migrationBuilder.DropColumn(
                name: "agent_name",
                table: "memberships");

            migrationBuilder.DropColumn(
                name: "disabled_at",
                table: "memberships");
        }
    }
}
