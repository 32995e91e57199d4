using OmniChat.Core.Audit;

namespace OmniChat.Core.Platform;

/// <summary>
/// A signed-in platform operator (Identity role <c>operator</c>): who the system scope's log names and who the audit
/// entries of their actions name, in the affected tenant's log.
/// </summary>
public sealed record PlatformOperator(Guid UserId, string Email)
{
    /// <summary>The audit actor of this operator's actions: <c>operator:&lt;user id&gt;</c>, type <c>operator</c>.</summary>
    public AuditActor Actor => AuditActor.ForOperator(UserId);

    /// <summary>The reason a system scope opened for this operator is logged with: <c>operator &lt;email&gt;: &lt;what&gt;</c>.</summary>
    public string Reason(string what) => $"operator {Email}: {what}";
}
