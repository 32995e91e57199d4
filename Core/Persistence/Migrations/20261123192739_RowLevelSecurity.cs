using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// Row-level security on every tenant-owned table, and the narrow SECURITY DEFINER functions that resolve a tenant
    /// (by identifier, by id, by API key hash) before one is known.
    /// </summary>
    public partial class RowLevelSecurity : Migration
    {
        internal static readonly string[] TenantOwnedTables =
        [
            "memberships", "api_keys", "customers", "customer_identities", "conversations", "messages",
            "outbox_messages", "inbound_updates", "audit_entries", "templates",
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTenantFunction();
            foreach (var table in TenantOwnedTables)
            {
                migrationBuilder.EnableTenantIsolation(table);
            }
            migrationBuilder.EnableTenantIsolation("tenants", column: "id");
            migrationBuilder.AllowOwnerLookups("tenants");
            migrationBuilder.AllowOwnerLookups("api_keys");

            migrationBuilder.Sql("""
                CREATE FUNCTION resolve_tenant_by_identifier(p_identifier text)
                RETURNS TABLE (id uuid, identifier text, name text, status text, plan_id text)
                LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
                AS $$ SELECT t.id, t.identifier::text, t.name::text, t.status::text, t.plan_id::text FROM tenants t WHERE t.identifier = p_identifier $$;

                CREATE FUNCTION resolve_tenant_by_id(p_id uuid)
                RETURNS TABLE (id uuid, identifier text, name text, status text, plan_id text)
                LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
                AS $$ SELECT t.id, t.identifier::text, t.name::text, t.status::text, t.plan_id::text FROM tenants t WHERE t.id = p_id $$;

                CREATE FUNCTION resolve_api_key(p_hash bytea)
                RETURNS TABLE (api_key_id uuid, tenant_id uuid, scopes text[], expires_at timestamptz, revoked_at timestamptz)
                LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
                AS $$ SELECT k.id, k.tenant_id, k.scopes, k.expires_at, k.revoked_at FROM api_keys k WHERE k.hash = p_hash $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP FUNCTION IF EXISTS resolve_api_key(bytea);
                DROP FUNCTION IF EXISTS resolve_tenant_by_id(uuid);
                DROP FUNCTION IF EXISTS resolve_tenant_by_identifier(text);
                """);
            migrationBuilder.DisableTenantIsolation("tenants");
            foreach (var table in TenantOwnedTables)
            {
                migrationBuilder.DisableTenantIsolation(table);
            }
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS app_current_tenant();");
        }
    }
}
