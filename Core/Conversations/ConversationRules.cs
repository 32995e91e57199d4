using OmniChat.Core.Errors;
using OmniChat.Core.Identity;

namespace OmniChat.Core.Conversations;

/// <summary>
/// The rules of a conversation's fields on every surface that writes them (API, portal): a message's text, a
/// conversation's name, an agent's name. Each failure is recorded in the caller's errors (the field's camelCase name),
/// then thrown as one <c>validation_failed</c>.
/// </summary>
public static class ConversationRules
{
    /// <summary>Longest message text.</summary>
    public const int MaxTextLength = 4000;

    /// <summary>Longest conversation name.</summary>
    public const int MaxNameLength = 100;

    /// <summary>Longest agent name (a member's <see cref="Membership.AgentName"/>).</summary>
    public const int MaxAgentLength = Membership.MaxAgentNameLength;

    /// <summary>A message's text as written (not trimmed): required, at most <see cref="MaxTextLength"/> characters, no NUL.</summary>
    public static string Text(string? text, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(text))
        {
            errors["text"] = [FieldText.Rule(MaxTextLength)];
            return "";
        }
        if (text.Length > MaxTextLength)
        {
            errors["text"] = [$"At most {MaxTextLength} characters."];
        }
        else if (text.Contains('\0', StringComparison.Ordinal))
        {
            errors["text"] = ["Must not contain NUL characters."];
        }
        return text;
    }

    /// <summary>An agent's name, trimmed: 1 to <see cref="MaxAgentLength"/> characters, no NUL.</summary>
    public static string Agent(string? agent, IDictionary<string, string[]> errors) => FieldText.Required(agent, MaxAgentLength, "agent", errors);

    /// <summary>A conversation's new name, trimmed: 1 to <see cref="MaxNameLength"/> characters, no NUL.</summary>
    public static string Name(string? name, IDictionary<string, string[]> errors) => FieldText.Required(name, MaxNameLength, "name", errors);
}
