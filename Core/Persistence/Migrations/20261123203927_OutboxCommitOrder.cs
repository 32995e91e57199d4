using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// Commit order for readers of the outbox (the SSE event stream): each row records the id of the transaction that
    /// wrote it. A reader only takes rows below the oldest transaction still running (<c>pg_snapshot_xmin</c>), in
    /// (transaction id, row id) order, so a resume cursor never skips a row that commits late.
    /// </summary>
    public partial class OutboxCommitOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE outbox_messages ADD COLUMN tx_id xid8 NOT NULL DEFAULT pg_current_xact_id();
                CREATE INDEX ix_outbox_messages_tenant_id_tx_id_id ON outbox_messages (tenant_id, tx_id, id);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP INDEX IF EXISTS ix_outbox_messages_tenant_id_tx_id_id;
                ALTER TABLE outbox_messages DROP COLUMN IF EXISTS tx_id;
                """);
        }
    }
}
