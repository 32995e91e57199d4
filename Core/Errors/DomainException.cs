namespace OmniChat.Core.Errors;

/// <summary>
/// A failure the caller can act on. The Api's exception handler turns it into an RFC 9457 problem with
/// <see cref="Code"/> as the stable <c>code</c> and <see cref="Status"/> as the HTTP status.
/// </summary>
public class DomainException(int status, string code, string title) : Exception(title)
{
    /// <summary>The HTTP status that fits.</summary>
    public int Status { get; } = status;

    /// <summary>The stable, documented error code (<c>conversation_not_found</c>, <c>already_claimed</c>, …).</summary>
    public string Code { get; } = code;

    /// <summary>Extra members of the problem (for example the missing scope).</summary>
    public IDictionary<string, object?> Extensions { get; } = new Dictionary<string, object?>();
}

/// <summary>The thing does not exist for this tenant (another tenant's ids answer exactly the same).</summary>
public sealed class NotFoundException(string code, string title) : DomainException(404, code, title);

/// <summary>The request conflicts with the current state (already claimed, closed).</summary>
public sealed class ConflictException(string code, string title) : DomainException(409, code, title);

/// <summary>Missing, expired or forged credentials.</summary>
public sealed class UnauthorizedException(string code, string title) : DomainException(401, code, title);

/// <summary>Authenticated, but not allowed (for example an API key without the needed scope).</summary>
public sealed class ForbiddenException(string code, string title) : DomainException(403, code, title);

/// <summary>Input that breaks the contract, with the errors per field.</summary>
public sealed class ValidationException(IDictionary<string, string[]> errors)
    : DomainException(400, "validation_failed", "The request has invalid fields.")
{
    /// <summary>Messages per field (camelCase field names, as in the request body).</summary>
    public IDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>Throws when <paramref name="errors"/> is not empty.</summary>
    public static void ThrowIfAny(Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
    }
}
