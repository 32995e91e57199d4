using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// Event stream positions assigned after commit (ADR 0022). Readers of a tenant's events (SSE, agent sockets) used
    /// to take only outbox rows older than the oldest running transaction of the whole cluster, so any long transaction
    /// anywhere held back every tenant's stream. Now a sequencer gives each committed row a position from one sequence,
    /// one tenant at a time under that tenant's advisory lock, so a tenant's positions become visible in increasing
    /// order and a reader simply reads <c>stream_position &gt; cursor</c>. Rows of one conversation get their positions
    /// in seq order even when their transaction ids are not in that order.
    /// </summary>
    [DbContext(typeof(OmniChatDbContext))]
    [Migration("20261202162937_EventStreamPositions")]
    public partial class EventStreamPositions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE SEQUENCE outbox_stream_positions AS bigint;
                ALTER TABLE outbox_messages ADD COLUMN stream_position bigint;

                -- Every row written so far is committed: number it in the order the old cursors used, (tx_id, id). Row-level
                -- security is lifted for the owner for this one statement (inside the migration's transaction).
                ALTER TABLE outbox_messages NO FORCE ROW LEVEL SECURITY;
                UPDATE outbox_messages o SET stream_position = numbered.position
                FROM (SELECT id, row_number() OVER (ORDER BY tx_id, id) AS position FROM outbox_messages) numbered
                WHERE o.id = numbered.id;
                SELECT setval('outbox_stream_positions', greatest(coalesce((SELECT max(stream_position) FROM outbox_messages), 0), 1),
                              (SELECT count(*) > 0 FROM outbox_messages));
                ALTER TABLE outbox_messages FORCE ROW LEVEL SECURITY;

                CREATE UNIQUE INDEX ix_outbox_messages_tenant_id_stream_position ON outbox_messages (tenant_id, stream_position)
                    WHERE stream_position IS NOT NULL;
                CREATE INDEX ix_outbox_messages_unsequenced ON outbox_messages (tenant_id) WHERE stream_position IS NULL;
                DROP INDEX IF EXISTS ix_outbox_messages_tenant_id_tx_id_id;

                -- Runs as the caller: on the application role row-level security confines it to the tenant in
                -- app.tenant_id (p_tenant must be that tenant); on the system role it serves any tenant.
                CREATE FUNCTION sequence_tenant_events(p_tenant uuid) RETURNS integer
                LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
                AS $$
                DECLARE
                    assigned integer;
                BEGIN
                    -- One sequencer per tenant at a time, until this transaction ends: positions drawn later commit later,
                    -- so what a reader sees of a tenant's positions is always a prefix. Each statement below takes a new
                    -- snapshot, so it sees what the previous holder committed.
                    PERFORM pg_advisory_xact_lock(7312, hashtext(p_tenant::text));
                    WITH pending AS MATERIALIZED (
                        SELECT id, partition_key, seq IS NULL AS no_seq, seq, tx_id FROM outbox_messages
                        WHERE tenant_id = p_tenant AND stream_position IS NULL
                    ), slots AS MATERIALIZED (
                        -- Positions in transaction order; nextval runs in the order of the sorted rows.
                        SELECT ordered.partition_key, ordered.no_seq, ordered.slot, nextval('outbox_stream_positions') AS position
                        FROM (SELECT partition_key, no_seq, tx_id, id,
                                     row_number() OVER (PARTITION BY partition_key, no_seq ORDER BY tx_id, id) AS slot
                              FROM pending ORDER BY tx_id, id) ordered
                    ), ranked AS (
                        -- Within a conversation, messages take that conversation's slots in seq order: a writer can get
                        -- its transaction id before it waits for the conversation's row lock, so tx_id may invert seq.
                        SELECT id, partition_key, no_seq,
                               row_number() OVER (PARTITION BY partition_key, no_seq ORDER BY seq, tx_id, id) AS slot
                        FROM pending
                    )
                    UPDATE outbox_messages o SET stream_position = s.position
                    FROM ranked r
                    JOIN slots s ON s.partition_key IS NOT DISTINCT FROM r.partition_key AND s.no_seq = r.no_seq AND s.slot = r.slot
                    WHERE o.id = r.id AND o.tenant_id = p_tenant;
                    GET DIAGNOSTICS assigned = ROW_COUNT;
                    RETURN assigned;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP FUNCTION IF EXISTS sequence_tenant_events(uuid);
                CREATE INDEX IF NOT EXISTS ix_outbox_messages_tenant_id_tx_id_id ON outbox_messages (tenant_id, tx_id, id);
                DROP INDEX IF EXISTS ix_outbox_messages_unsequenced;
                DROP INDEX IF EXISTS ix_outbox_messages_tenant_id_stream_position;
                ALTER TABLE outbox_messages DROP COLUMN IF EXISTS stream_position;
                DROP SEQUENCE IF EXISTS outbox_stream_positions;
                """);
        }
    }
}
