using System.Globalization;

namespace OmniChat.Core.Channels.Telegram;

/// <summary>A tenant's bot: its token, and whose it is. Limits and clients are kept per tenant and bot.</summary>
public sealed record TelegramBot(Guid TenantId, string Token)
{
    // Get-only, so `with` cannot give a bot a new token while it keeps the old token's Id.
    public Guid TenantId { get; } = TenantId;

    public string Token { get; } = Token;

    /// <summary>The bot's numeric id: the part of the token before the colon.</summary>
    public long Id { get; } = ParseId(Token);

    private static long ParseId(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        var colon = token.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && long.TryParse(token.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new ArgumentException("A bot token has the form <bot id>:<secret>.", nameof(token));
    }

    // The token is a secret: never in logs, exceptions or records printed by accident.
    public override string ToString() => $"TelegramBot {{ TenantId = {TenantId}, Id = {Id} }}";
}

/// <summary>Why a send failed for good.</summary>
public enum TelegramFailure
{
    /// <summary>Telegram refused the request itself (400: chat or topic not found, text too long, ...). Retrying cannot help.</summary>
    Rejected,

    /// <summary>403: the bot was blocked by the user or removed from the group; the channel should be marked inactive.</summary>
    Forbidden,

    /// <summary>401: the token is wrong or revoked; the tenant must connect the bot again.</summary>
    Unauthorized,

    /// <summary>Every attempt met flood control, a server error or a connection failure.</summary>
    RetriesExhausted,

    /// <summary>The request was sent but no answer came: Telegram may or may not have delivered it. It is not retried,
    /// because a retry could deliver the message twice.</summary>
    OutcomeUnknown,
}

/// <summary>A Bot API call that failed for good; <see cref="Failure"/> says what the caller should do.</summary>
public sealed class TelegramSendException : Exception
{
    public TelegramSendException(TelegramFailure failure, int? errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
        ErrorCode = errorCode;
    }

    public TelegramSendException()
    {
    }

    public TelegramSendException(string message) : base(message)
    {
    }

    public TelegramSendException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public TelegramFailure Failure { get; }

    /// <summary>The Bot API's error code (HTTP status), when Telegram answered.</summary>
    public int? ErrorCode { get; }
}
