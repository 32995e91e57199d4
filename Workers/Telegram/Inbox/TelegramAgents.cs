using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using OmniChat.Core.Channels.Telegram.Inbound;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;

namespace OmniChat.Workers.Telegram.Inbox;

/// <summary>
/// The tenant's agents known from Telegram (<c>telegram_agents</c>): created the first time a support-group member acts,
/// named after their Telegram name, made unique within the tenant among Telegram agents and portal members (<c>Ann Lee</c>,
/// then <c>Ann Lee (@annl)</c>, then <c>Ann Lee 2</c>, …). The name stays what it was first: claims and replies refer to it. Once an admin links the agent
/// to a portal member, it acts under the member's agent name instead.
/// </summary>
internal sealed class TelegramAgents(NpgsqlDataSource dataSource)
{
    /// <summary>The agent name of <paramref name="person"/> in <paramref name="tenantId"/>, creating the agent the first time.</summary>
    public async Task<string> EnsureAsync(Guid tenantId, TelegramPerson person, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenantId, person.Id, cancellationToken) is { } known)
        {
            return known;
        }
        foreach (var candidate in Candidates(person))
        {
            await using var batch = dataSource.CreateTenantBatch(tenantId);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO telegram_agents (id, tenant_id, telegram_user_id, name, created_at, last_seen_at)
                SELECT $1, $2, $3, $4, now(), now()
                WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = $2 AND m.agent_name = $4)
                ON CONFLICT DO NOTHING
                RETURNING name
                """)
            {
                Parameters =
                {
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = Guid.CreateVersion7() },
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = person.Id },
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = candidate },
                },
            });
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                return reader.GetString(0);
            }
            await reader.DisposeAsync();
            // Either this person was created at the same moment (their name stands) or the name is someone else's (an agent's
            // or a portal member's).
            if (await FindAsync(tenantId, person.Id, cancellationToken) is { } raced)
            {
                return raced;
            }
        }
        throw new InvalidOperationException("No free agent name was found.");
    }

    private async Task<string?> FindAsync(Guid tenantId, long telegramUserId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateTenantBatch(tenantId);
        // An agent linked to a portal member (team page) acts under the member's agent name: a claim made in the
        // support group is that member's in the portal too.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            UPDATE telegram_agents a SET last_seen_at = now() WHERE a.tenant_id = $1 AND a.telegram_user_id = $2
            RETURNING coalesce((SELECT m.agent_name FROM memberships m WHERE m.tenant_id = a.tenant_id AND m.user_id = a.user_id), a.name)
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = tenantId },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = telegramUserId },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetString(0) : null;
    }

    private static IEnumerable<string> Candidates(TelegramPerson person)
    {
        var name = Clip(person.DisplayName);
        yield return name;
        if (person.Username is { Length: > 0 } username)
        {
            yield return Clip($"{name} (@{username})");
        }
        for (var n = 2; n < 100; n++)
        {
            yield return Clip(name, string.Create(CultureInfo.InvariantCulture, $" {n}"));
        }
        yield return Clip(name, string.Create(CultureInfo.InvariantCulture, $" ({person.Id})"));
    }

    private static string Clip(string name, string suffix = "") =>
        (name.Length + suffix.Length <= Membership.MaxAgentNameLength ? name : name[..(Membership.MaxAgentNameLength - suffix.Length)]) + suffix;
}
