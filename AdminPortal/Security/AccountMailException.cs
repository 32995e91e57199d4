namespace OmniChat.AdminPortal.Security;

/// <summary>A mail the portal had to send could not be handed to the mail server.</summary>
// Temporary stand-in so this branch builds; the lead's AccountMail change brings the real one.
public sealed class AccountMailException(string message, Exception inner) : Exception(message, inner);
