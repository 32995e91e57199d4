using Npgsql;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Identity;

/// <summary>A user's active membership of one tenant, as the portal signs them in to it.</summary>
public sealed record PortalMembership(TenantInfo Tenant, Guid MembershipId, MembershipRole Role, bool CanManageSupportChats, string AgentName)
{
    /// <summary>Owners and admins run the tenant (channels, team, keys, templates, webhooks, audit).</summary>
    public bool IsAdmin => Role is MembershipRole.Owner or MembershipRole.Admin;
}

/// <summary>
/// The tenants a signed-in user belongs to, found before any tenant is set: through the <c>SECURITY DEFINER</c> function
/// <c>user_memberships</c>, which returns only that user's active memberships (the application role reads no
/// <c>memberships</c> row of a tenant it has not set). The user id comes from the verified portal cookie.
/// </summary>
public sealed class MembershipDirectory(NpgsqlDataSource dataSource)
{
    /// <summary>The user's active memberships, by tenant name.</summary>
    public Task<IReadOnlyList<PortalMembership>> ListAsync(Guid userId, CancellationToken cancellationToken) =>
        ReadAsync(userId, tenantId: null, cancellationToken);

    /// <summary>The user's active membership of <paramref name="tenantId"/>, or <see langword="null"/> (one row read, on every request).</summary>
    public async Task<PortalMembership?> FindAsync(Guid userId, Guid tenantId, CancellationToken cancellationToken) =>
        await ReadAsync(userId, tenantId, cancellationToken) is [var membership] ? membership : null;

    private async Task<IReadOnlyList<PortalMembership>> ReadAsync(Guid userId, Guid? tenantId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT m.membership_id, m.role, m.can_manage_support_chats, m.agent_name, t.id, t.identifier, t.name, t.status, t.plan_id
            FROM user_memberships($1) m CROSS JOIN LATERAL resolve_tenant_by_id(m.tenant_id) t
            WHERE $2::uuid IS NULL OR m.tenant_id = $2
            ORDER BY t.name, t.identifier
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = userId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tenantId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var memberships = new List<PortalMembership>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var tenant = new TenantInfo(reader.GetGuid(4), reader.GetString(5), reader.GetString(6),
                Enum.Parse<TenantStatus>(reader.GetString(7)), reader.GetString(8));
            memberships.Add(new PortalMembership(tenant, reader.GetGuid(0), Enum.Parse<MembershipRole>(reader.GetString(1)),
                reader.GetBoolean(2), reader.GetString(3)));
        }
        return memberships;
    }
}
