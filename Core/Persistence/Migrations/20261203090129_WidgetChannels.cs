using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class WidgetChannels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "widget_channels",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    site_key = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    protected_identity_secret = table.Column<string>(type: "text", nullable: true),
                    identity_secret_hint = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: true),
                    primary_color = table.Column<string>(type: "character varying(7)", maxLength: 7, nullable: false),
                    position = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_widget_channels", x => x.id);
                    table.ForeignKey(
                        name: "fk_widget_channels_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_widget_channels_site_key",
                table: "widget_channels",
                column: "site_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_widget_channels_tenant_id",
                table: "widget_channels",
                column: "tenant_id",
                unique: true);

            migrationBuilder.EnableTenantIsolation("widget_channels");
            migrationBuilder.AllowOwnerLookups("widget_channels");

            // The widget's first call names only its site key: find the tenant without reading any tenant's rows.
            migrationBuilder.Sql("""
                CREATE FUNCTION resolve_widget_site_key(p_site_key text)
                RETURNS TABLE (tenant_id uuid)
                LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
                AS $$ SELECT w.tenant_id FROM widget_channels w WHERE w.site_key = p_site_key $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS resolve_widget_site_key(text);");
            migrationBuilder.DisableTenantIsolation("widget_channels");
            migrationBuilder.DropTable(
                name: "widget_channels");
        }
    }
}
