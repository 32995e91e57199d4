using Npgsql;

namespace OmniChat.AppHost.Hosting;

/// <summary>
/// A plan without practical limits, for load tests and benchmarks: they measure throughput, not the plan's monthly
/// quotas or requests a minute.
/// </summary>
public static class UnlimitedPlan
{
    public const string Id = "unlimited";

    /// <summary>Creates the plan when missing and moves the tenant <paramref name="tenantIdentifier"/> onto it.</summary>
    public static async Task ApplyAsync(string systemConnectionString, string tenantIdentifier, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(systemConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO plans (id, name, conversations_per_month, messages_per_month, agents, api_requests_per_minute, storage_bytes, attachment_max_bytes)
            VALUES (@plan, 'Unlimited', 2000000000, 2000000000, 1000, 1000000000, 0, 0)
            ON CONFLICT (id) DO NOTHING;
            UPDATE tenants SET plan_id = @plan WHERE identifier = @tenant;
            """, connection)
        {
            Parameters = { new("plan", Id), new("tenant", tenantIdentifier) },
        };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
