using Npgsql;

namespace OmniChat.Core.Tenancy;

/// <summary>
/// <see cref="ITenantStore"/> over the narrow <c>SECURITY DEFINER</c> look-up functions created by the migrations
/// (<c>resolve_tenant_by_identifier</c>, <c>resolve_tenant_by_id</c>, <c>resolve_api_key</c>, <c>resolve_refresh_token</c>,
/// <c>resolve_telegram_webhook</c>, <c>resolve_widget_site_key</c>): the
/// application role never reads another tenant's rows to find its own.
/// </summary>
public sealed class PostgresTenantStore(NpgsqlDataSource dataSource) : ITenantStore
{
    private const string TenantColumns = "id, identifier, name, status, plan_id";

    // Tenants change rarely and v1 resolves "default" on every request: keep look-ups by identifier for a few seconds
    // (a suspension takes effect within that time). API keys are never cached, so a revocation is immediate.
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (TenantInfo? Tenant, long Expires)> _byIdentifier = new();

    /// <inheritdoc />
    public async Task<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        if (_byIdentifier.TryGetValue(identifier, out var cached) && cached.Expires > now)
        {
            return cached.Tenant;
        }
        var tenant = await FindTenantAsync($"SELECT {TenantColumns} FROM resolve_tenant_by_identifier(@identifier)", "identifier", identifier, cancellationToken);
        if (tenant is not null)
        {
            _byIdentifier[identifier] = (tenant, now + (long)CacheFor.TotalMilliseconds);
        }
        return tenant;
    }

    /// <inheritdoc />
    public Task<TenantInfo?> FindByIdAsync(Guid id, CancellationToken cancellationToken) =>
        FindTenantAsync($"SELECT {TenantColumns} FROM resolve_tenant_by_id(@id)", "id", id, cancellationToken);

    /// <inheritdoc />
    public async Task<ResolvedApiKey?> FindByApiKeyHashAsync(byte[] hash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT k.api_key_id, k.scopes, k.expires_at, k.revoked_at, t.id, t.identifier, t.name, t.status, t.plan_id " +
            "FROM resolve_api_key(@hash) k CROSS JOIN LATERAL resolve_tenant_by_id(k.tenant_id) t");
        command.Parameters.AddWithValue("hash", hash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new ResolvedApiKey(
            reader.GetGuid(0),
            ReadTenant(reader, 4),
            reader.GetFieldValue<string[]>(1),
            reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
    }

    /// <inheritdoc />
    public async Task<ResolvedRefreshToken?> FindByRefreshTokenHashAsync(byte[] hash, CancellationToken cancellationToken)
    {
        // Two rows would mean two tenants holding the same 256-bit random token: trust neither.
        await using var command = dataSource.CreateCommand(
            "SELECT r.conversation_id, t.id, t.identifier, t.name, t.status, t.plan_id " +
            "FROM resolve_refresh_token(@hash) r CROSS JOIN LATERAL resolve_tenant_by_id(r.tenant_id) t LIMIT 2");
        command.Parameters.AddWithValue("hash", hash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var found = new ResolvedRefreshToken(ReadTenant(reader, 1), reader.GetGuid(0));
        return await reader.ReadAsync(cancellationToken) ? null : found;
    }

    /// <inheritdoc />
    public async Task<ResolvedTelegramWebhook?> FindTelegramWebhookAsync(Guid channelId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT w.bot_id, w.secret_hash, w.previous_secret_hash, w.previous_valid_until, t.id, t.identifier, t.name, t.status, t.plan_id " +
            "FROM resolve_telegram_webhook(@channel) w CROSS JOIN LATERAL resolve_tenant_by_id(w.tenant_id) t");
        command.Parameters.AddWithValue("channel", channelId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new ResolvedTelegramWebhook(
            channelId,
            ReadTenant(reader, 4),
            reader.GetInt64(0),
            reader.GetFieldValue<byte[]>(1),
            reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
    }

    /// <inheritdoc />
    public Task<TenantInfo?> FindBySiteKeyAsync(string siteKey, CancellationToken cancellationToken) =>
        FindTenantAsync($"SELECT {TenantColumns} FROM resolve_widget_site_key(@siteKey) w CROSS JOIN LATERAL resolve_tenant_by_id(w.tenant_id)",
            "siteKey", siteKey, cancellationToken);

    private async Task<TenantInfo?> FindTenantAsync(string sql, string parameter, object value, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(parameter, value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadTenant(reader, 0) : null;
    }

    private static TenantInfo ReadTenant(NpgsqlDataReader reader, int offset) => new(
        reader.GetGuid(offset),
        reader.GetString(offset + 1),
        reader.GetString(offset + 2),
        Enum.Parse<TenantStatus>(reader.GetString(offset + 3)),
        reader.GetString(offset + 4));
}
