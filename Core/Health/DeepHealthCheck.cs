using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Conversations;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;
using Telegram.Bot;

namespace OmniChat.Core.Health;

/// <summary>One step of the deep health check: <c>ok</c>, <c>failed</c> (with the error) or <c>skipped</c> (with why).</summary>
public sealed record DeepHealthStepResult(string Name, string Status, double DurationMs, string? Error)
{
    /// <summary>The step worked.</summary>
    public const string Ok = "ok";

    /// <summary>The step failed; <see cref="Error"/> says why.</summary>
    public const string Failed = "failed";

    /// <summary>The step did not apply; <see cref="Error"/> says why.</summary>
    public const string Skipped = "skipped";
}

/// <summary>Every step of one deep health check, in order, and the first that failed (null when healthy).</summary>
public sealed record DeepHealthReport(IReadOnlyList<DeepHealthStepResult> Steps)
{
    /// <summary>The first failed step, or <see langword="null"/>.</summary>
    public DeepHealthStepResult? FailedStep => Steps.FirstOrDefault(s => s.Status == DeepHealthStepResult.Failed);
}

/// <summary>
/// Walks the path a customer's first message takes, for the current tenant, through the real services: a conversation
/// starts (PostgreSQL), its forum topic opens and its welcome card is posted (outbox, RabbitMQ, Workers, Telegram) when a
/// Telegram channel is active, a conversation token is issued and verified — timing each step — then removes what it
/// made (the topic, the conversation). For every surface that runs it (<c>GET /health/deep</c>, the portal's test button).
/// </summary>
public sealed class DeepHealthCheck(ConversationWriter writer, ConversationTokens tokens, OmniChatDbContext db, TelegramChannelSecrets secrets,
    TelegramSetupClient telegram, TimeProvider time)
{
    /// <summary>Runs the check for <paramref name="tenant"/> (the scope's tenant); topic and welcome together get <paramref name="timeout"/>.</summary>
    public async Task<DeepHealthReport> RunAsync(TenantInfo tenant, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var steps = new List<DeepHealthStepResult>();
        var deadline = time.GetUtcNow() + timeout;
        var channel = await db.TelegramChannels.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        Guid? conversationId = null;
        try
        {
            conversationId = await StepAsync(steps, "conversation", async () =>
                (await writer.StartAsync(tenant, "Health check", null, """{"healthCheck":true}""", "api", "health", cancellationToken,
                    enforceLimits: false)).ConversationId);
            if (channel is { Status: TelegramChannelStatus.Active })
            {
                await StepAsync(steps, "topic", () => WaitForAsync(conversationId.Value, c => c.ThreadId != null, deadline, cancellationToken));
                await StepAsync(steps, "welcome", () => WaitForAsync(conversationId.Value, c => c.TelegramCardMessageId != null, deadline, cancellationToken));
            }
            else
            {
                var why = channel is null ? "no Telegram channel connected" : $"Telegram channel {channel.Status.ToString().ToLowerInvariant()}: {channel.StatusReason}";
                steps.Add(new DeepHealthStepResult("topic", DeepHealthStepResult.Skipped, 0, why));
                steps.Add(new DeepHealthStepResult("welcome", DeepHealthStepResult.Skipped, 0, why));
            }
            await StepAsync(steps, "token", async () =>
            {
                var token = tokens.Issue(tenant.Id, conversationId.Value);
                var claims = await tokens.ValidateAsync(token);
                return claims?.ConversationId == conversationId.Value ? true : throw new InvalidOperationException("The issued token did not validate.");
            });
        }
        catch (StepFailed)
        {
            // Named in the steps; the cleanup below still runs.
        }
        finally
        {
            if (conversationId is { } id)
            {
                await CleanUpAsync(steps, id, channel, tenant);
            }
        }
        return new DeepHealthReport(steps);
    }

    private static async Task<T> StepAsync<T>(List<DeepHealthStepResult> steps, string name, Func<Task<T>> step)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await step();
            steps.Add(new DeepHealthStepResult(name, DeepHealthStepResult.Ok, Milliseconds(started), null));
            return result;
        }
        // Any failure is the step's answer (the request being aborted is not a failure of the step).
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            steps.Add(new DeepHealthStepResult(name, DeepHealthStepResult.Failed, Milliseconds(started),
                ex is DomainException or TimeoutException or InvalidOperationException ? ex.Message : ex.GetType().Name));
            throw new StepFailed();
        }
    }

    // Polls (no transaction held while waiting) until the conversation shows what the step waits for.
    private async Task<bool> WaitForAsync(Guid conversationId, Func<Conversation, bool> done, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == conversationId, cancellationToken);
            if (done(conversation))
            {
                return true;
            }
            if (time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException("Not done in time (are the Workers and RabbitMQ running, and is Telegram answering?).");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
        }
    }

    // Removes the topic (when one was opened) and the conversation with everything that hangs on it.
    private async Task CleanUpAsync(List<DeepHealthStepResult> steps, Guid conversationId, TelegramChannel? channel, TenantInfo tenant)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == conversationId, timeout.Token);
            if (channel is not null && conversation is { ThreadId: { } thread, TelegramGroupId: { } group })
            {
                var bot = new TelegramBot(tenant.Id, secrets.Unprotect(tenant.Id, channel.ProtectedSecrets).BotToken);
                await telegram.CallAsync(bot, "deleteForumTopic", async (client, ct) =>
                {
                    await client.DeleteForumTopic(group, (int)thread, ct);
                    return true;
                }, timeout.Token);
            }
            await db.Conversations.Where(c => c.Id == conversationId).ExecuteDeleteAsync(timeout.Token);
            steps.Add(new DeepHealthStepResult("cleanup", DeepHealthStepResult.Ok, Milliseconds(started), null));
        }
        catch (Exception ex) when (ex is DomainException or OperationCanceledException or DbUpdateException or Npgsql.NpgsqlException)
        {
            steps.Add(new DeepHealthStepResult("cleanup", DeepHealthStepResult.Failed, Milliseconds(started), ex is DomainException ? ex.Message : ex.GetType().Name));
        }
    }

    private static double Milliseconds(long started) => Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1);

    private sealed class StepFailed : Exception;
}
