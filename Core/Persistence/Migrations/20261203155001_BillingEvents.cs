using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// Billing provider events, stored once per (provider, id) in their tenant's data (row-level security), and on tenants
    /// the suspension cause, the grace period after a failed payment and the provider times of the newest applied events.
    /// </summary>
    public partial class BillingEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "billing_grace_until",
                table: "tenants",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "billing_payment_at",
                table: "tenants",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "billing_subscription_at",
                table: "tenants",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "suspended_for",
                table: "tenants",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "billing_events",
                columns: table => new
                {
                    provider = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    event_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    body = table.Column<string>(type: "jsonb", nullable: false),
                    outcome = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_billing_events", x => new { x.provider, x.event_id });
                    table.ForeignKey(
                        name: "fk_billing_events_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_tenants_billing_grace_until",
                table: "tenants",
                column: "billing_grace_until",
                filter: "billing_grace_until IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_billing_events_tenant_id_occurred_at",
                table: "billing_events",
                columns: new[] { "tenant_id", "occurred_at" });

            // A tenant's billing events are its data: row-level security like every tenant-owned table.
            migrationBuilder.EnableTenantIsolation("billing_events");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DisableTenantIsolation("billing_events");

            migrationBuilder.DropTable(
                name: "billing_events");

            migrationBuilder.DropIndex(
                name: "ix_tenants_billing_grace_until",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "billing_grace_until",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "billing_payment_at",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "billing_subscription_at",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "suspended_for",
                table: "tenants");
        }
    }
}
