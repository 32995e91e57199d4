using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// <c>resolve_refresh_token</c>: the narrow SECURITY DEFINER look-up that finds a refresh token's tenant and
    /// conversation by its hash before a tenant is known (the v2 refresh route has no other credential), with the index
    /// it needs (the unique index leads with the tenant). Raw SQL, like the other look-up functions.
    /// </summary>
    [DbContext(typeof(OmniChatDbContext))]
    [Migration("20261202170000_RefreshTokenLookup")]
    public partial class RefreshTokenLookup : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AllowOwnerLookups("refresh_tokens");
            migrationBuilder.Sql("""
                CREATE INDEX ix_refresh_tokens_token_hash ON refresh_tokens (token_hash);

                CREATE FUNCTION resolve_refresh_token(p_hash bytea)
                RETURNS TABLE (tenant_id uuid, conversation_id uuid)
                LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
                AS $$ SELECT r.tenant_id, r.conversation_id FROM refresh_tokens r WHERE r.token_hash = p_hash $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP FUNCTION IF EXISTS resolve_refresh_token(bytea);
                DROP INDEX IF EXISTS ix_refresh_tokens_token_hash;
                DROP POLICY IF EXISTS owner_lookup ON refresh_tokens;
                """);
        }
    }
}
