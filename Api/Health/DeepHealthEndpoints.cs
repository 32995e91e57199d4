using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;
using OmniChat.Api.Tenancy;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Conversations;
using OmniChat.Core.Errors;
using OmniChat.Core.Persistence;
using OmniChat.Core.Security;
using OmniChat.Core.Tenancy;
using Telegram.Bot;

namespace OmniChat.Api.Health;

/// <summary>
/// <c>GET /health/deep?tenant=&lt;identifier&gt;</c>: walks the path a customer's first message takes, for one tenant,
/// through the real services — a conversation starts (Api, PostgreSQL), its forum topic opens and its welcome card is
/// posted (outbox, RabbitMQ, Workers, Telegram), a conversation token is issued and verified — timing each step, then
/// removes what it made (the topic, the conversation). A step that fails or does not finish in time answers 503
/// <c>deep_health_failed</c> naming it. Allowed with the operator token or an API key of that tenant.
/// </summary>
internal static class DeepHealthEndpoints
{
    public const string Path = "/health/deep";

    public static IEndpointRouteBuilder MapDeepHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, CheckAsync).WithTags("health").WithName("DeepHealth")
            .WithSummary("Start a conversation, see its Telegram topic and welcome card, issue a token; each step timed, then cleaned up.")
            .WithCredential(Credential.OperatorToken, Credential.ApiKey).Problems(ProblemCodes.TenantNotFound, ProblemCodes.DeepHealthFailed);
        return app;
    }

    internal static async Task<Ok<DeepHealthResponse>> CheckAsync(string? tenant, HttpContext http, ITenantContext tenants,
        IOptions<SecurityOptions> security, IOptions<DeepHealthOptions> options, ConversationWriter writer, ConversationTokens tokens,
        OmniChatDbContext db, TelegramChannelSecrets secrets, TelegramSetupClient telegram, TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(tenant))
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["tenant"] = ["The tenant's identifier."] });
        }
        var isOperator = security.Value.IsOperatorToken(http.Request.BearerToken());
        if (!isOperator && http.Features.Get<ApiKeyPrincipal>() is null)
        {
            throw new UnauthorizedException("unauthorized", "The operator token or an API key of this tenant is required.");
        }
        // The API key's own tenant, or the one the operator named (resolved by OperatorTenantStrategy); another tenant's
        // identifier with an API key is not found, as any other tenant's data.
        if (tenants.Tenant is not { } info || !string.Equals(info.Identifier, tenant, StringComparison.Ordinal))
        {
            throw new NotFoundException("tenant_not_found", "No such tenant.");
        }

        var steps = new List<DeepHealthStep>();
        var deadline = time.GetUtcNow() + options.Value.Timeout;
        var channel = await db.TelegramChannels.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        Guid? conversationId = null;
        try
        {
            conversationId = await StepAsync(steps, "conversation", async () =>
                (await writer.StartAsync(info, "Health check", null, """{"healthCheck":true}""", "api", "health", cancellationToken)).ConversationId);
            if (channel is { Status: TelegramChannelStatus.Active })
            {
                await StepAsync(steps, "topic", () => WaitForAsync(db, conversationId.Value, c => c.ThreadId != null, deadline, time, cancellationToken));
                await StepAsync(steps, "welcome", () => WaitForAsync(db, conversationId.Value, c => c.TelegramCardMessageId != null, deadline, time,
                    cancellationToken));
            }
            else
            {
                var why = channel is null ? "no Telegram channel connected" : $"Telegram channel {channel.Status.ToString().ToLowerInvariant()}: {channel.StatusReason}";
                steps.Add(new DeepHealthStep("topic", "skipped", 0, why));
                steps.Add(new DeepHealthStep("welcome", "skipped", 0, why));
            }
            await StepAsync(steps, "token", async () =>
            {
                var token = tokens.Issue(info.Id, conversationId.Value);
                var claims = await tokens.ValidateAsync(token);
                return claims?.ConversationId == conversationId.Value ? true : throw new InvalidOperationException("The issued token did not validate.");
            });
        }
        catch (DeepHealthStepFailed)
        {
            // Named in the steps; the cleanup below still runs.
        }
        finally
        {
            if (conversationId is { } id)
            {
                await CleanUpAsync(steps, db, id, channel, secrets, telegram, info);
            }
        }

        var failed = steps.FirstOrDefault(s => s.Status == "failed");
        var body = new DeepHealthResponse(failed is null ? "healthy" : "unhealthy", info.Identifier, failed?.Name, steps);
        if (failed is not null)
        {
            throw new DomainException(StatusCodes.Status503ServiceUnavailable, "deep_health_failed", $"The step '{failed.Name}' failed: {failed.Error}")
            {
                Extensions = { ["step"] = failed.Name, ["steps"] = steps },
            };
        }
        return TypedResults.Ok(body);
    }

    private static async Task<T> StepAsync<T>(List<DeepHealthStep> steps, string name, Func<Task<T>> step)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await step();
            steps.Add(new DeepHealthStep(name, "ok", Milliseconds(started), null));
            return result;
        }
        // Any failure is the step's answer (the request being aborted is not a failure of the step).
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            steps.Add(new DeepHealthStep(name, "failed", Milliseconds(started), ex is DomainException or TimeoutException or InvalidOperationException
                ? ex.Message
                : ex.GetType().Name));
            throw new DeepHealthStepFailed();
        }
    }

    // Polls (no transaction held while waiting) until the conversation shows what the step waits for.
    private static async Task<bool> WaitForAsync(OmniChatDbContext db, Guid conversationId, Func<Conversation, bool> done, DateTimeOffset deadline,
        TimeProvider time, CancellationToken cancellationToken)
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
    private static async Task CleanUpAsync(List<DeepHealthStep> steps, OmniChatDbContext db, Guid conversationId, TelegramChannel? channel,
        TelegramChannelSecrets secrets, TelegramSetupClient telegram, TenantInfo tenant)
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
            steps.Add(new DeepHealthStep("cleanup", "ok", Milliseconds(started), null));
        }
        catch (Exception ex) when (ex is DomainException or OperationCanceledException or DbUpdateException or Npgsql.NpgsqlException)
        {
            steps.Add(new DeepHealthStep("cleanup", "failed", Milliseconds(started), ex is DomainException ? ex.Message : ex.GetType().Name));
        }
    }

    private static double Milliseconds(long started) => Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1);

    private sealed class DeepHealthStepFailed : Exception;
}

/// <summary>One step of the deep health check: <c>ok</c>, <c>failed</c> (with the error) or <c>skipped</c> (with why).</summary>
public sealed record DeepHealthStep(string Name, string Status, double DurationMs, string? Error);

/// <summary>The deep health check's answer: every step in order, timed.</summary>
public sealed record DeepHealthResponse(string Status, string Tenant, string? FailedStep, IReadOnlyList<DeepHealthStep> Steps);

/// <summary>Settings of the deep health check (<c>DeepHealth__Timeout</c>: how long topic and welcome may take together).</summary>
public sealed class DeepHealthOptions
{
    public const string Section = "DeepHealth";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);
}
