using OmniChat.AdminPortal.Security;
using OmniChat.Core.Errors;
using OmniChat.Core.Identity;
using MudBlazor;

namespace OmniChat.AdminPortal.Components.Shared;

/// <summary>What an admin page says when an action did not work: the domain's own sentence, never exception text.</summary>
internal static class AdminActionErrors
{
    /// <summary>The generic answer to a failure nobody planned for (it is logged with its details).</summary>
    public const string Unexpected = "That did not work because of a problem on our side. Try again in a moment.";

    /// <summary>The answer to a call that timed out.</summary>
    public const string TimedOut = "That took too long to answer. Try again in a moment.";

    /// <summary>The answer when a mail could not be sent.</summary>
    public const string MailNotSent = "The email could not be sent: the mail server did not take it. Try again in a moment.";

    /// <summary>
    /// Whether <paramref name="exception"/> is a failure to report: anything but the cancellation that
    /// <paramref name="stopping"/> (the page going away) asked for. A timeout is a failure like any other.
    /// </summary>
    public static bool IsFailure(Exception exception, CancellationToken stopping = default) =>
        exception is not OperationCanceledException || !stopping.IsCancellationRequested;

    /// <summary>A sentence for <paramref name="exception"/>: the fields' messages, a domain error's title, or <see cref="Unexpected"/>.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        ValidationException invalid => string.Join(" ", invalid.Errors.SelectMany(e => e.Value)),
        DomainException domain => Explain(domain),
        PortalAccessDeniedException or InvitationException or TeamChangeRefusedException => exception.Message,
        AccountMailException => MailNotSent,
        OperationCanceledException or TimeoutException => TimedOut,
        _ => Unexpected,
    };

    /// <summary>Whether <paramref name="exception"/> is one the person can act on (not worth an error log).</summary>
    public static bool IsExpected(Exception exception) =>
        exception is DomainException or PortalAccessDeniedException or InvitationException or TeamChangeRefusedException;

    /// <summary>The messages of one field of a <see cref="ValidationException"/>, or null.</summary>
    public static string? FieldError(Exception? exception, string field) =>
        exception is ValidationException invalid && invalid.Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    /// <summary>What a domain error (a conversation's conflicts above all) means for the person, in words.</summary>
    private static string Explain(DomainException error) => error.Code switch
    {
        "not_claimed" => error.Extensions.TryGetValue("claimedBy", out var holder) && holder is string name
            ? $"{name} holds this conversation; only they can reply until they release it."
            : "Claim the conversation before replying.",
        "conversation_closed" => "The conversation is closed.",
        "conversation_changed" => "The conversation changed meanwhile; try again.",
        "conversation_not_found" => "This conversation no longer exists.",
        _ => error.Message,
    };

    /// <summary>
    /// Says in a snackbar why <paramref name="failure"/> stopped the action named <paramref name="action"/>;
    /// a failure nobody planned for is logged with its details too.
    /// </summary>
    public static void Report(this ISnackbar snackbar, Exception failure, ILogger logger, string action)
    {
        if (!IsExpected(failure))
        {
            logger.LogError(failure, "Portal action failed: {Action}", action);
        }
        snackbar.Add(Describe(failure), Severity.Error);
    }

    /// <summary>
    /// The sentence for a page or list that could not be loaded: the domain's own (access denied, not found…) or
    /// <paramref name="fallback"/>, in which case the failure is logged with its details.
    /// </summary>
    public static string DescribeLoadFailure(Exception failure, ILogger logger, string fallback)
    {
        if (IsExpected(failure) || failure is ValidationException)
        {
            return Describe(failure);
        }
        logger.LogError(failure, "Portal page could not load: {Fallback}", fallback);
        return failure is OperationCanceledException or TimeoutException ? TimedOut : fallback;
    }

    /// <summary>
    /// Runs one page action so that no failure of it can end the circuit: a failure is reported
    /// (see <see cref="Report"/>) and the answer is false.
    /// </summary>
    public static async Task<bool> RunAsync(this ISnackbar snackbar, ILogger logger, string action, Func<Task> work)
    {
        try
        {
            await work();
            return true;
        }
        catch (Exception ex) when (IsFailure(ex))
        {
            snackbar.Report(ex, logger, action);
            return false;
        }
    }
}
