using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// Foreign keys between tenant-owned tables include the tenant (ADR 0011): a foreign-key check ignores row-level
    /// security, so a key on the id alone accepted a row pointing at another tenant's parent. The single-column indexes
    /// that only served the old keys go (the composite keys use the existing <c>(tenant_id, …)</c> indexes).
    /// </summary>
    public partial class TenantScopedForeignKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_conversations_customers_customer_id",
                table: "conversations");

            migrationBuilder.DropForeignKey(
                name: "fk_customer_identities_customers_customer_id",
                table: "customer_identities");

            migrationBuilder.DropForeignKey(
                name: "fk_messages_conversations_conversation_id",
                table: "messages");

            migrationBuilder.DropForeignKey(
                name: "fk_refresh_tokens_conversations_conversation_id",
                table: "refresh_tokens");

            migrationBuilder.DropForeignKey(
                name: "fk_webhook_deliveries_webhook_subscriptions_subscription_id",
                table: "webhook_deliveries");

            migrationBuilder.DropIndex(
                name: "ix_refresh_tokens_conversation_id",
                table: "refresh_tokens");

            migrationBuilder.DropIndex(
                name: "ix_messages_conversation_id",
                table: "messages");

            migrationBuilder.DropIndex(
                name: "ix_customer_identities_customer_id",
                table: "customer_identities");

            migrationBuilder.DropIndex(
                name: "ix_conversations_customer_id",
                table: "conversations");

            migrationBuilder.AddUniqueConstraint(
                name: "ak_webhook_subscriptions_tenant_id_id",
                table: "webhook_subscriptions",
                columns: new[] { "tenant_id", "id" });

            migrationBuilder.AddUniqueConstraint(
                name: "ak_customers_tenant_id_id",
                table: "customers",
                columns: new[] { "tenant_id", "id" });

            migrationBuilder.AddUniqueConstraint(
                name: "ak_conversations_tenant_id_id",
                table: "conversations",
                columns: new[] { "tenant_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_refresh_tokens_tenant_id_conversation_id",
                table: "refresh_tokens",
                columns: new[] { "tenant_id", "conversation_id" });

            migrationBuilder.CreateIndex(
                name: "ix_conversations_tenant_id_customer_id",
                table: "conversations",
                columns: new[] { "tenant_id", "customer_id" });

            migrationBuilder.AddForeignKey(
                name: "fk_conversations_customers_tenant_id_customer_id",
                table: "conversations",
                columns: new[] { "tenant_id", "customer_id" },
                principalTable: "customers",
                principalColumns: new[] { "tenant_id", "id" });

            migrationBuilder.AddForeignKey(
                name: "fk_customer_identities_customers_tenant_id_customer_id",
                table: "customer_identities",
                columns: new[] { "tenant_id", "customer_id" },
                principalTable: "customers",
                principalColumns: new[] { "tenant_id", "id" },
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_messages_conversations_tenant_id_conversation_id",
                table: "messages",
                columns: new[] { "tenant_id", "conversation_id" },
                principalTable: "conversations",
                principalColumns: new[] { "tenant_id", "id" },
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_refresh_tokens_conversations_tenant_id_conversation_id",
                table: "refresh_tokens",
                columns: new[] { "tenant_id", "conversation_id" },
                principalTable: "conversations",
                principalColumns: new[] { "tenant_id", "id" },
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_webhook_deliveries_webhook_subscriptions_tenant_id_subscrip",
                table: "webhook_deliveries",
                columns: new[] { "tenant_id", "subscription_id" },
                principalTable: "webhook_subscriptions",
                principalColumns: new[] { "tenant_id", "id" },
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_conversations_customers_tenant_id_customer_id",
                table: "conversations");

            migrationBuilder.DropForeignKey(
                name: "fk_customer_identities_customers_tenant_id_customer_id",
                table: "customer_identities");

            migrationBuilder.DropForeignKey(
                name: "fk_messages_conversations_tenant_id_conversation_id",
                table: "messages");

            migrationBuilder.DropForeignKey(
                name: "fk_refresh_tokens_conversations_tenant_id_conversation_id",
                table: "refresh_tokens");

            migrationBuilder.DropForeignKey(
                name: "fk_webhook_deliveries_webhook_subscriptions_tenant_id_subscrip",
                table: "webhook_deliveries");

            migrationBuilder.DropUniqueConstraint(
                name: "ak_webhook_subscriptions_tenant_id_id",
                table: "webhook_subscriptions");

            migrationBuilder.DropIndex(
                name: "ix_refresh_tokens_tenant_id_conversation_id",
                table: "refresh_tokens");

            migrationBuilder.DropUniqueConstraint(
                name: "ak_customers_tenant_id_id",
                table: "customers");

            migrationBuilder.DropUniqueConstraint(
                name: "ak_conversations_tenant_id_id",
                table: "conversations");

            migrationBuilder.DropIndex(
                name: "ix_conversations_tenant_id_customer_id",
                table: "conversations");

            migrationBuilder.CreateIndex(
                name: "ix_refresh_tokens_conversation_id",
                table: "refresh_tokens",
                column: "conversation_id");

            migrationBuilder.CreateIndex(
                name: "ix_messages_conversation_id",
                table: "messages",
                column: "conversation_id");

            migrationBuilder.CreateIndex(
                name: "ix_customer_identities_customer_id",
                table: "customer_identities",
                column: "customer_id");

            migrationBuilder.CreateIndex(
                name: "ix_conversations_customer_id",
                table: "conversations",
                column: "customer_id");

            migrationBuilder.AddForeignKey(
                name: "fk_conversations_customers_customer_id",
                table: "conversations",
                column: "customer_id",
                principalTable: "customers",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);

            migrationBuilder.AddForeignKey(
                name: "fk_customer_identities_customers_customer_id",
                table: "customer_identities",
                column: "customer_id",
                principalTable: "customers",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_messages_conversations_conversation_id",
                table: "messages",
                column: "conversation_id",
                principalTable: "conversations",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_refresh_tokens_conversations_conversation_id",
                table: "refresh_tokens",
                column: "conversation_id",
                principalTable: "conversations",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_webhook_deliveries_webhook_subscriptions_subscription_id",
                table: "webhook_deliveries",
                column: "subscription_id",
                principalTable: "webhook_subscriptions",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
