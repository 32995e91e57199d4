using Npgsql;
using NpgsqlTypes;

namespace OmniChat.Core.Persistence;

/// <summary>
/// Raw Npgsql work on the application role: a batch whose first command puts the tenant into the transaction
/// (<c>set_config(…, true)</c>), so row-level security sees it exactly as for EF Core's <see cref="TenantSessionInterceptor"/>.
/// </summary>
public static class TenantBatches
{
    /// <summary>Sets <c>app.tenant_id</c> for the current transaction only; its one parameter is the tenant id as text.</summary>
    public const string SetTenantSql = "SELECT set_config('" + TenantSessionInterceptor.SettingName + "', $1, true)";

    /// <summary>The parameter of <see cref="SetTenantSql"/>.</summary>
    public static NpgsqlParameter TenantParameter(Guid tenantId) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = tenantId.ToString() };

    /// <summary>A batch that starts by setting the tenant; add the commands that follow.</summary>
    public static NpgsqlBatch CreateTenantBatch(this NpgsqlDataSource dataSource, Guid tenantId)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(SetTenantSql) { Parameters = { TenantParameter(tenantId) } });
        return batch;
    }
}
