using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace OmniChat.Core.Persistence;

/// <summary>
/// Puts the current tenant into the PostgreSQL session setting <c>app.tenant_id</c> before the first command on each
/// connection (and again if the context's tenant changed), so row-level security sees exactly what the query filter sees.
/// Without a tenant the setting is empty and the application role sees no tenant-owned row at all.
/// </summary>
public sealed class TenantSessionInterceptor : DbConnectionInterceptor, IDbCommandInterceptor, IDbTransactionInterceptor
{
    /// <summary>The PostgreSQL setting the row-level security policies read.</summary>
    public const string SettingName = "app.tenant_id";

    /// <summary>The single instance (the interceptor keeps its state on the connection, not on itself).</summary>
    public static TenantSessionInterceptor Instance { get; } = new();

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbConnection, string> Applied = new();

    public override void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Applied.Remove(connection);
    }

    public override Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Applied.Remove(connection);
        return Task.CompletedTask;
    }

    // A rollback undoes set_config made inside the transaction: forget it, so the next command sets it again.
    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(transaction);
        return Task.CompletedTask;
    }

    public void RolledBackToSavepoint(DbTransaction transaction, TransactionEventData eventData) => Forget(transaction);

    public Task RolledBackToSavepointAsync(DbTransaction transaction, TransactionEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(transaction);
        return Task.CompletedTask;
    }

    private static void Forget(DbTransaction transaction)
    {
        if (transaction?.Connection is { } connection)
        {
            Applied.Remove(connection);
        }
    }

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Apply(command, eventData);
        return result;
    }

    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Apply(command, eventData);
        return result;
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Apply(command, eventData);
        return result;
    }

    public async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await ApplyAsync(command, eventData, cancellationToken);
        return result;
    }

    public async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await ApplyAsync(command, eventData, cancellationToken);
        return result;
    }

    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await ApplyAsync(command, eventData, cancellationToken);
        return result;
    }

    private static DbCommand? PrepareSet(DbCommand command, CommandEventData eventData, out string wanted)
    {
        wanted = "";
        if (eventData.Context is not OmniChatDbContext context || context.IsSystemScope || command.Connection is not { } connection)
        {
            return null;
        }

        var tenant = context.CurrentTenantId;
        wanted = tenant == Guid.Empty ? "" : tenant.ToString();
        if (Applied.TryGetValue(connection, out var current) && current == wanted)
        {
            return null;
        }

        var set = connection.CreateCommand();
        set.Transaction = command.Transaction;
        set.CommandText = $"SELECT set_config('{SettingName}', @tenant, false)";
        var parameter = set.CreateParameter();
        parameter.ParameterName = "tenant";
        parameter.Value = wanted;
        set.Parameters.Add(parameter);
        return set;
    }

    private static void Apply(DbCommand command, CommandEventData eventData)
    {
        using var set = PrepareSet(command, eventData, out var wanted);
        if (set is null)
        {
            return;
        }
        set.ExecuteNonQuery();
        Applied.AddOrUpdate(command.Connection!, wanted);
    }

    private static async Task ApplyAsync(DbCommand command, CommandEventData eventData, CancellationToken cancellationToken)
    {
        var set = PrepareSet(command, eventData, out var wanted);
        if (set is null)
        {
            return;
        }
        await using (set)
        {
            await set.ExecuteNonQueryAsync(cancellationToken);
        }
        Applied.AddOrUpdate(command.Connection!, wanted);
    }
}
