using System.ComponentModel.DataAnnotations;
using MailKit.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MimeKit;
using OmniChat.Core.Identity;

namespace OmniChat.AdminPortal.Security;

/// <summary>SMTP settings (<c>Smtp__Host</c>, …). Required outside Development; without a host, Development prints mails to the log.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>OmniChat &lt;no-reply@example.com&gt;</c>.</summary>
    public string From { get; set; } = "OmniChat <no-reply@omnichat.local>";

    /// <summary>Whether <see cref="From"/> is a mailbox MimeKit can send from (checked at start).</summary>
    internal bool FromIsValid => MailboxAddress.TryParse(From, out _);

    /// <summary>Whether the portal may print mails (with their one-time links) to the log: Development without a host only.</summary>
    internal bool PrintsToLog => string.IsNullOrWhiteSpace(Host);
}

/// <summary>
/// The portal's account mail (<see cref="IEmailSender{TUser}"/>): invitations and password resets, each carrying a
/// one-time link. Sent over SMTP (MailKit); in Development without an SMTP host the mail, link included, is printed to
/// the log instead, so a developer can follow it.
/// </summary>
public sealed partial class AccountMail(IOptions<SmtpOptions> options, ILogger<AccountMail> logger) : IEmailSender<User>
{
    private readonly SmtpOptions _smtp = options.Value;

    /// <summary>Whether links are printed to the log (Development without SMTP), so the portal may also show them to the admin who asked.</summary>
    public bool PrintsToLog => _smtp.PrintsToLog;

    public Task SendInvitationAsync(User user, string workspace, string link, CancellationToken cancellationToken) =>
        SendAsync(user.Email!, $"You are invited to {workspace} on OmniChat",
            $"Hello {user.DisplayName},\n\nYou have been invited to the {workspace} workspace on OmniChat.\n\nOpen this link to set your password and sign in (it works once, for 3 days):\n{link}\n",
            cancellationToken);

    public Task SendConfirmationLinkAsync(User user, string email, string confirmationLink) =>
        SendAsync(email, "Confirm your email for OmniChat", $"Confirm your email address:\n{confirmationLink}\n", CancellationToken.None);

    public Task SendPasswordResetLinkAsync(User user, string email, string resetLink) =>
        SendAsync(email, "Reset your OmniChat password",
            $"Someone asked to reset the password of your OmniChat account. If it was you, open this link (it works once, for 3 days):\n{resetLink}\n\nIf it was not you, ignore this mail.\n",
            CancellationToken.None);

    public Task SendPasswordResetCodeAsync(User user, string email, string resetCode) =>
        SendAsync(email, "Your OmniChat password reset code", $"Your password reset code: {resetCode}\n", CancellationToken.None);

    private async Task SendAsync(string to, string subject, string text, CancellationToken cancellationToken)
    {
        if (_smtp.PrintsToLog)
        {
            LogMail(logger, to, subject, text);
            return;
        }
        try
        {
            await SendOverSmtpAsync(to, subject, text, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Connection, TLS, authentication, a refused recipient: one failure callers can report in words.
            LogFailed(logger, subject, ex);
            throw new AccountMailException("The mail could not be sent. Check the SMTP settings, then try again.", ex);
        }
    }

    private async Task SendOverSmtpAsync(string to, string subject, string text, CancellationToken cancellationToken)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(_smtp.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = text };
        using var client = new MailKit.Net.Smtp.SmtpClient();
        await client.ConnectAsync(_smtp.Host!, _smtp.Port, SecureSocketOptions.StartTlsWhenAvailable, cancellationToken);
        if (!string.IsNullOrEmpty(_smtp.UserName))
        {
            await client.AuthenticateAsync(_smtp.UserName, _smtp.Password ?? "", cancellationToken);
        }
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        LogSent(logger, subject);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Development mail (no SMTP host configured) to {To}: {Subject}\n{Text}")]
    private static partial void LogMail(ILogger logger, string to, string subject, string text);

    [LoggerMessage(Level = LogLevel.Error, Message = "Mail not sent: {Subject}")]
    private static partial void LogFailed(ILogger logger, string subject, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail sent: {Subject}")]
    private static partial void LogSent(ILogger logger, string subject);
}

/// <summary>An account mail (invitation, password reset) could not be sent; the message says so in words.</summary>
public sealed class AccountMailException(string message, Exception innerException) : Exception(message, innerException);
