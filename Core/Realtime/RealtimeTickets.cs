using System.Security.Cryptography;
using System.Text.Json;
using System.Buffers.Text;
using StackExchange.Redis;

namespace OmniChat.Core.Realtime;

/// <summary>What a realtime ticket grants: a visitor socket for one conversation, or a tenant-wide agent stream.</summary>
public sealed record RealtimeTicketGrant(string Kind, Guid TenantId, Guid? ConversationId, string? Subject)
{
    /// <summary>A visitor's socket for <see cref="ConversationId"/> (<c>/v2/ws</c>).</summary>
    public const string Conversation = "conversation";

    /// <summary>A tenant-wide agent stream (<c>/v2/agents/ws</c>).</summary>
    public const string Agent = "agent";
}

/// <summary>
/// Short, single-use tickets that let a browser open a WebSocket without putting a long-lived credential in the URL.
/// The ticket is 32 random bytes; Redis keeps only its SHA-256 (so a Redis dump reveals no usable ticket) for
/// <see cref="Lifetime"/>, and redeeming deletes it atomically (GETDEL): a second use finds nothing.
/// </summary>
public sealed class RealtimeTickets(IConnectionMultiplexer redis)
{
    /// <summary>How long a ticket can be redeemed.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>Issues a ticket for <paramref name="grant"/>.</summary>
    public async Task<string> IssueAsync(RealtimeTicketGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var ticket = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await redis.GetDatabase().StringSetAsync(Key(ticket), JsonSerializer.Serialize(grant, CoreJson.Default.RealtimeTicketGrant), Lifetime);
        return ticket;
    }

    /// <summary>The grant of <paramref name="ticket"/>, consuming it; null when unknown, expired or already used.</summary>
    public Task<RealtimeTicketGrant?> RedeemAsync(string? ticket) => ReadAsync(ticket, consume: true);

    /// <summary>
    /// What <paramref name="ticket"/> would grant, without using it up: for checks that must not spend a ticket on a
    /// handshake that is then refused. Only <see cref="RedeemAsync"/> makes it count.
    /// </summary>
    public Task<RealtimeTicketGrant?> PeekAsync(string? ticket) => ReadAsync(ticket, consume: false);

    private async Task<RealtimeTicketGrant?> ReadAsync(string? ticket, bool consume)
    {
        if (string.IsNullOrEmpty(ticket) || ticket.Length > 100)
        {
            return null;
        }
        var database = redis.GetDatabase();
        var value = consume ? await database.StringGetDeleteAsync(Key(ticket)) : await database.StringGetAsync(Key(ticket));
        return value.HasValue ? JsonSerializer.Deserialize((string)value!, CoreJson.Default.RealtimeTicketGrant) : null;
    }

    private static RedisKey Key(string ticket) =>
        "omnichat:ticket:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ticket)));
}
