using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// <c>telegram_bot_connected_elsewhere</c>: whether another tenant has connected this bot. The connector asks before
    /// it points the bot's webhook anywhere, so connecting someone else's bot fails with 409 instead of first moving that
    /// tenant's webhook (the unique index still guards a race). It answers one boolean and reveals no other tenant's data.
    /// Raw SQL, like the other look-up functions.
    /// </summary>
    [DbContext(typeof(OmniChatDbContext))]
    [Migration("20261203070000_TelegramBotElsewhere")]
    public partial class TelegramBotElsewhere : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION telegram_bot_connected_elsewhere(p_bot_id bigint)
                RETURNS boolean
                LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
                AS $$ SELECT EXISTS (SELECT 1 FROM telegram_channels c
                                     WHERE c.bot_id = p_bot_id AND c.tenant_id IS DISTINCT FROM app_current_tenant()) $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS telegram_bot_connected_elsewhere(bigint);");
    }
}
