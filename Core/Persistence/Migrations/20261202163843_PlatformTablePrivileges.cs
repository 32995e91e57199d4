using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// Platform-wide tables get explicit privileges instead of the provisioner's default (full DML for every role that
    /// uses the database): roles subject to row-level security (the application role) may not touch the ASP.NET Core
    /// Identity tables at all (password hashes, security stamps, tokens) and may only read <c>plans</c>. The table owner
    /// and roles that bypass row-level security (the logged system scope: seeding, operator work) keep theirs.
    /// Role names are not assumed: the grantees are read from the catalog. Privileges only, no model change.
    /// </summary>
    [DbContext(typeof(OmniChatDbContext))]
    [Migration("20261202163843_PlatformTablePrivileges")]
    public partial class PlatformTablePrivileges : Migration
    {
        internal static readonly string[] CredentialTables =
            ["users", "roles", "user_roles", "user_claims", "user_logins", "user_tokens", "role_claims"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($"""
                DO $$
                DECLARE
                  grant_row record;
                BEGIN
                  FOR grant_row IN
                    SELECT c.relname, r.rolname
                    FROM pg_class c
                    CROSS JOIN LATERAL aclexplode(c.relacl) a
                    JOIN pg_roles r ON r.oid = a.grantee
                    WHERE c.relnamespace = 'public'::regnamespace
                      AND c.relname IN ({Quoted(CredentialTables)}, 'plans')
                      AND a.grantee <> c.relowner AND NOT r.rolbypassrls AND NOT r.rolsuper
                    GROUP BY c.relname, r.rolname
                  LOOP
                    IF grant_row.relname = 'plans' THEN
                      EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON %I FROM %I', grant_row.relname, grant_row.rolname);
                    ELSE
                      EXECUTE format('REVOKE ALL ON %I FROM %I', grant_row.relname, grant_row.rolname);
                    END IF;
                  END LOOP;
                END $$;
                REVOKE ALL ON {string.Join(", ", CredentialTables)} FROM PUBLIC;
                REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON plans FROM PUBLIC;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Back to the provisioner's defaults for every role that may connect and is subject to row-level security.
            migrationBuilder.Sql($"""
                DO $$
                DECLARE
                  role_row record;
                BEGIN
                  FOR role_row IN
                    SELECT r.rolname FROM pg_roles r
                    WHERE has_database_privilege(r.oid, current_database(), 'CONNECT') AND NOT r.rolbypassrls AND NOT r.rolsuper
                      AND r.oid <> (SELECT c.relowner FROM pg_class c WHERE c.oid = 'plans'::regclass)
                      AND r.rolname NOT LIKE 'pg\_%'
                  LOOP
                    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON {string.Join(", ", CredentialTables)}, plans TO %I', role_row.rolname);
                  END LOOP;
                END $$;
                """);
        }

        private static string Quoted(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
    }
}
