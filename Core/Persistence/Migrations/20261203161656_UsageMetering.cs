using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// Usage metering: per-day counters and once-per-period limit notices (both tenant-owned, under row-level security), a
    /// soft-limit share per plan and the Team plan. This month's conversations and messages are counted in from the rows
    /// already there, so the meters start where the tenants are.
    /// </summary>
    public partial class UsageMetering : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "soft_limit_percent",
                table: "plans",
                type: "integer",
                nullable: false,
                defaultValue: 80);

            migrationBuilder.CreateTable(
                name: "limit_notices",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    meter = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    period_start = table.Column<DateOnly>(type: "date", nullable: false),
                    level = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    used = table.Column<long>(type: "bigint", nullable: false),
                    limit = table.Column<long>(type: "bigint", nullable: false),
                    reached_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_limit_notices", x => new { x.tenant_id, x.meter, x.period_start, x.level });
                    table.ForeignKey(
                        name: "fk_limit_notices_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "usage_counters",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    meter = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    count = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_counters", x => new { x.tenant_id, x.meter, x.day });
                    table.ForeignKey(
                        name: "fk_usage_counters_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.UpdateData(
                table: "plans",
                keyColumn: "id",
                keyValue: "business",
                column: "soft_limit_percent",
                value: 80);

            migrationBuilder.UpdateData(
                table: "plans",
                keyColumn: "id",
                keyValue: "free",
                column: "soft_limit_percent",
                value: 80);

            migrationBuilder.InsertData(
                table: "plans",
                columns: new[] { "id", "agents", "api_requests_per_minute", "attachment_max_bytes", "conversations_per_month", "messages_per_month", "name", "soft_limit_percent", "storage_bytes" },
                values: new object[] { "team", 10, 600, 20971520L, 2000, 50000, "Team", 80, 10737418240L });

            migrationBuilder.AddCheckConstraint(
                name: "ck_plans_soft_limit_percent",
                table: "plans",
                sql: "soft_limit_percent BETWEEN 1 AND 100");

            migrationBuilder.EnableTenantIsolation("usage_counters");
            migrationBuilder.EnableTenantIsolation("limit_notices");

            // The migrating role is subject to row-level security too: count each tenant in its own scope.
            migrationBuilder.Sql("""
                DO $$
                DECLARE
                  tenant_row record;
                  month_start timestamptz := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
                BEGIN
                  FOR tenant_row IN SELECT id FROM tenants LOOP
                    PERFORM set_config('app.tenant_id', tenant_row.id::text, true);
                    INSERT INTO usage_counters (tenant_id, meter, day, count)
                    SELECT tenant_id, 'conversations', (created_at AT TIME ZONE 'UTC')::date, count(*)
                    FROM conversations WHERE tenant_id = tenant_row.id AND created_at >= month_start
                    GROUP BY tenant_id, (created_at AT TIME ZONE 'UTC')::date;
                    INSERT INTO usage_counters (tenant_id, meter, day, count)
                    SELECT tenant_id, 'messages', (created_at AT TIME ZONE 'UTC')::date, count(*)
                    FROM messages WHERE tenant_id = tenant_row.id AND created_at >= month_start AND direction IN ('Inbound', 'Outbound')
                    GROUP BY tenant_id, (created_at AT TIME ZONE 'UTC')::date;
                  END LOOP;
                  PERFORM set_config('app.tenant_id', '', true);
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DisableTenantIsolation("usage_counters");
            migrationBuilder.DisableTenantIsolation("limit_notices");

            migrationBuilder.DropTable(
                name: "limit_notices");

            migrationBuilder.DropTable(
                name: "usage_counters");

            migrationBuilder.DropCheckConstraint(
                name: "ck_plans_soft_limit_percent",
                table: "plans");

            migrationBuilder.DeleteData(
                table: "plans",
                keyColumn: "id",
                keyValue: "team");

            migrationBuilder.DropColumn(
                name: "soft_limit_percent",
                table: "plans");
        }
    }
}
