using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// Webhook deliveries are claimed with a lease (ADR 0022): the sender takes a delivery in one short statement, calls
    /// the receiver with no transaction open, and records the outcome in a second one, fenced by the lease id so that a
    /// sender whose lease lapsed cannot overwrite a newer attempt. A lease outlives the receiver timeout; a crashed
    /// sender's deliveries are taken again when their leases lapse.
    /// </summary>
    [DbContext(typeof(OmniChatDbContext))]
    [Migration("20261202164704_WebhookDeliveryLeases")]
    public partial class WebhookDeliveryLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE webhook_deliveries ADD COLUMN lease_id uuid, ADD COLUMN leased_until timestamptz;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE webhook_deliveries DROP COLUMN IF EXISTS leased_until, DROP COLUMN IF EXISTS lease_id;");
        }
    }
}
