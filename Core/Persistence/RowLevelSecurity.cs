using Microsoft.EntityFrameworkCore.Migrations;

namespace OmniChat.Core.Persistence;

/// <summary>
/// Migration helpers for PostgreSQL row-level security, the second tenancy wall behind the EF query filter.
/// Policies read <c>app_current_tenant()</c>, i.e. the <c>app.tenant_id</c> session setting; when it is unset the
/// application role sees and writes no row. RLS is forced, so the owner is subject to it too.
/// </summary>
public static class RowLevelSecurity
{
    /// <summary>Creates <c>app_current_tenant()</c>, the function every policy compares with.</summary>
    public static void CreateTenantFunction(this MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("""
            CREATE FUNCTION app_current_tenant() RETURNS uuid
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;
            """);
    }

    /// <summary>Enables and forces RLS on <paramref name="table"/> with a policy on <paramref name="column"/>.</summary>
    public static void EnableTenantIsolation(this MigrationBuilder migrationBuilder, string table, string column = "tenant_id")
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql($"""
            ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
            CREATE POLICY tenant_isolation ON {table}
                USING ({column} = app_current_tenant())
                WITH CHECK ({column} = app_current_tenant());
            """);
    }

    /// <summary>
    /// Lets the migrating role (the table owner) read every row of <paramref name="table"/>, so the
    /// <c>SECURITY DEFINER</c> look-up functions it owns can find a tenant before one is known. The application role
    /// is not the owner and gains nothing.
    /// </summary>
    public static void AllowOwnerLookups(this MigrationBuilder migrationBuilder, string table)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql($"CREATE POLICY owner_lookup ON {table} FOR SELECT TO CURRENT_USER USING (true);");
    }

    /// <summary>Drops what <see cref="EnableTenantIsolation"/> created.</summary>
    public static void DisableTenantIsolation(this MigrationBuilder migrationBuilder, string table)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql($"""
            DROP POLICY IF EXISTS tenant_isolation ON {table};
            DROP POLICY IF EXISTS owner_lookup ON {table};
            ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
            ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
            """);
    }
}
