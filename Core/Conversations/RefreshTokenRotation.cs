using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Conversations;

/// <summary>
/// Exchanges a refresh token for the next one of its family. A token is good once: presenting it again (a stolen copy,
/// or a replay) revokes the whole family, so both the thief and the visitor must start over.
/// </summary>
public sealed class RefreshTokenRotation(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>
    /// The next refresh token, or <see cref="UnauthorizedException"/> for an unknown, expired, revoked or reused one.
    /// Within <paramref name="reuseInterval"/> of its first use a token may be presented again and gets another next token
    /// of the same family (two tabs reloading at once share one cookie); past it, a reuse revokes the family.
    /// </summary>
    public async Task<string> RotateAsync(TenantInfo tenant, Guid conversationId, string presented, CancellationToken cancellationToken,
        TimeSpan reuseInterval = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, TenantBatches.SetTenantSql, cancellationToken, TenantBatches.TenantParameter(tenant.Id));

        Guid id, family;
        bool used, dead, withinReuseInterval;
        await using (var select = new NpgsqlCommand(
            "SELECT id, family_id, used_at IS NOT NULL, revoked_at IS NOT NULL OR expires_at <= $3, used_at > $5 FROM refresh_tokens " +
            "WHERE tenant_id = $1 AND conversation_id = $2 AND token_hash = $4 FOR UPDATE", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenant.Id });
            select.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = conversationId });
            select.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now });
            select.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = RefreshTokenSecret.Hash(presented) });
            select.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now - reuseInterval });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new UnauthorizedException("invalid_refresh_token", "The refresh token is not valid for this conversation.");
            }
            (id, family, used, dead) = (reader.GetGuid(0), reader.GetGuid(1), reader.GetBoolean(2), reader.GetBoolean(3));
            withinReuseInterval = used && !dead && reuseInterval > TimeSpan.Zero && reader.GetBoolean(4);
        }

        if (used && !withinReuseInterval)
        {
            await ExecuteAsync(connection, transaction,
                "UPDATE refresh_tokens SET revoked_at = $2 WHERE tenant_id = $3 AND family_id = $1 AND revoked_at IS NULL", cancellationToken,
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = family },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenant.Id });
            await transaction.CommitAsync(cancellationToken);
            throw new UnauthorizedException("refresh_token_reused", "The refresh token was already used; its family is revoked.");
        }
        if (dead)
        {
            throw new UnauthorizedException("invalid_refresh_token", "The refresh token has expired or was revoked.");
        }

        var next = RefreshTokenSecret.Generate();
        await ExecuteAsync(connection, transaction, """
            UPDATE refresh_tokens SET used_at = COALESCE(used_at, $3) WHERE tenant_id = $1 AND id = $2;
            """, cancellationToken,
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenant.Id },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = id },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now });
        await ExecuteAsync(connection, transaction, """
            INSERT INTO refresh_tokens (id, tenant_id, conversation_id, family_id, token_hash, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, cancellationToken,
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = Guid.CreateVersion7(now) },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenant.Id },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = conversationId },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = family },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = RefreshTokenSecret.Hash(next) },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now + RefreshToken.Lifetime });
        await transaction.CommitAsync(cancellationToken);
        return next;
    }

    /// <summary>
    /// A refresh token of a new family for an existing conversation of <paramref name="tenant"/>: a verified customer
    /// opening the widget on another device continues their conversation there.
    /// </summary>
    public async Task<string> IssueAsync(TenantInfo tenant, Guid conversationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var now = time.GetUtcNow();
        var token = RefreshTokenSecret.Generate();
        await using var batch = dataSource.CreateTenantBatch(tenant.Id);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO refresh_tokens (id, tenant_id, conversation_id, family_id, token_hash, created_at, expires_at)
            SELECT $1, $2, c.id, $3, $4, $5, $6 FROM conversations c WHERE c.tenant_id = $2 AND c.id = $7
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = Guid.CreateVersion7(now) },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenant.Id },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = Guid.CreateVersion7(now) },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = RefreshTokenSecret.Hash(token) },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now + RefreshToken.Lifetime },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = conversationId },
            },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (batch.BatchCommands[^1].RecordsAffected != 1)
        {
            throw new NotFoundException("conversation_not_found", "The conversation does not exist.");
        }
        return token;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql,
        CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddRange(parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
