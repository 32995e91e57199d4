using OmniChat.AdminPortal.Security;
using OmniChat.Core.Errors;

namespace OmniChat.AdminPortal.Components.Shared;

/// <summary>What an admin page says when an action did not work: the domain's own sentence, never exception text.</summary>
internal static class AdminActionErrors
{
    /// <summary>The generic answer to a failure nobody planned for (it is logged with its details).</summary>
    public const string Unexpected = "That did not work because of a problem on our side. Try again in a moment.";

    /// <summary>A sentence for <paramref name="exception"/>: the fields' messages, a domain error's title, or <see cref="Unexpected"/>.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        ValidationException invalid => string.Join(" ", invalid.Errors.SelectMany(e => e.Value)),
        DomainException domain => domain.Message,
        PortalAccessDeniedException denied => denied.Message,
        _ => Unexpected,
    };

    /// <summary>Whether <paramref name="exception"/> is one the person can act on (not worth an error log).</summary>
    public static bool IsExpected(Exception exception) => exception is DomainException or PortalAccessDeniedException;

    /// <summary>The messages of one field of a <see cref="ValidationException"/>, or null.</summary>
    public static string? FieldError(Exception? exception, string field) =>
        exception is ValidationException invalid && invalid.Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;
}
