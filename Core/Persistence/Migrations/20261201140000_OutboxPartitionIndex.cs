using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// The dispatcher reads each claimed conversation's unsent rows in seq order: an index on exactly that (partition,
    /// seq, created_at, id) over unsent rows, so a round reads its rows from the index instead of scanning every unsent
    /// row of the table. An expression index, which the EF model cannot describe.
    /// </summary>
    [DbContext(typeof(OmniChatDbContext))]
    [Migration("20261201140000_OutboxPartitionIndex")]
    public partial class OutboxPartitionIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE INDEX ix_outbox_messages_unsent_partition_seq
                    ON outbox_messages ((coalesce(partition_key, id)), seq NULLS FIRST, created_at, id)
                    WHERE sent_at IS NULL;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_outbox_messages_unsent_partition_seq;");
        }
    }
}
