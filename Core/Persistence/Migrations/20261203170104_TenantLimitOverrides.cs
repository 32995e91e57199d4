using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// <c>set_tenant_limits(tenant, limits)</c>: an operator's limit override (<c>TenantLimits</c>). Plans are platform rows
    /// the application role may only read, so the function (owned by the migrating role, <c>SECURITY DEFINER</c>) writes
    /// the tenant's custom plan, a copy of its current plan with the given limits changed, and moves the tenant onto it.
    /// It only acts on a tenant the caller's scope can see (<c>app.tenant_id</c>, row-level security on <c>tenants</c>).
    /// </summary>
    public partial class TenantLimitOverrides : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION set_tenant_limits(p_tenant uuid, p_limits jsonb) RETURNS text
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
                AS $$
                DECLARE
                  v_plan text;
                  v_custom text := 'custom-' || replace(p_tenant::text, '-', '');
                BEGIN
                  IF p_tenant IS DISTINCT FROM app_current_tenant() THEN
                    RAISE EXCEPTION 'set_tenant_limits: tenant % is not the current tenant', p_tenant USING ERRCODE = '42501';
                  END IF;
                  SELECT plan_id INTO v_plan FROM tenants WHERE id = p_tenant FOR UPDATE;
                  IF v_plan IS NULL THEN
                    RAISE EXCEPTION 'set_tenant_limits: no tenant %', p_tenant USING ERRCODE = 'P0002';
                  END IF;
                  INSERT INTO plans (id, name, conversations_per_month, messages_per_month, agents, api_requests_per_minute, storage_bytes,
                                     attachment_max_bytes, soft_limit_percent)
                  SELECT v_custom,
                         CASE WHEN p.id = v_custom THEN p.name ELSE left('Custom (' || p.name || ')', 200) END,
                         coalesce((p_limits->>'conversationsPerMonth')::int, p.conversations_per_month),
                         coalesce((p_limits->>'messagesPerMonth')::int, p.messages_per_month),
                         coalesce((p_limits->>'agents')::int, p.agents),
                         coalesce((p_limits->>'apiRequestsPerMinute')::int, p.api_requests_per_minute),
                         coalesce((p_limits->>'storageBytes')::bigint, p.storage_bytes),
                         coalesce((p_limits->>'attachmentMaxBytes')::bigint, p.attachment_max_bytes),
                         coalesce((p_limits->>'softLimitPercent')::int, p.soft_limit_percent)
                  FROM plans p WHERE p.id = v_plan
                  ON CONFLICT (id) DO UPDATE SET
                    conversations_per_month = EXCLUDED.conversations_per_month, messages_per_month = EXCLUDED.messages_per_month,
                    agents = EXCLUDED.agents, api_requests_per_minute = EXCLUDED.api_requests_per_minute,
                    storage_bytes = EXCLUDED.storage_bytes, attachment_max_bytes = EXCLUDED.attachment_max_bytes,
                    soft_limit_percent = EXCLUDED.soft_limit_percent;
                  UPDATE tenants SET plan_id = v_custom, updated_at = now() WHERE id = p_tenant;
                  RETURN v_custom;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS set_tenant_limits(uuid, jsonb);");
    }
}
