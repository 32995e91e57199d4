using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using OmniChat.Core;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Conversations;
using OmniChat.Core.Identity;
using OmniChat.Core.Messages;
using OmniChat.Core.Persistence;
using OmniChat.Core.Platform;
using OmniChat.Core.Realtime;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;
using StackExchange.Redis;

namespace OmniChat.Workers.Tests;

/// <summary>
/// What people do in Telegram reaches OmniChat, against the sandbox: agents in the support group (claim-before-reply,
/// the Claim and Close buttons, topic commands, edits), customers in a private chat with the bot (start, continue,
/// replies, block and unblock, a suspended tenant's offline answer), an update that cannot be processed never holding up
/// the next, and one tenant's updates never touching another tenant.
/// </summary>
public sealed class TelegramInboundShould(WorkersFixture workers) : IAsyncLifetime
{
    private readonly HttpClient _sandbox = new() { BaseAddress = workers.App.ServiceUrls[ResourceNames.TelegramSandbox] };
    private ConnectionMultiplexer _redis = null!;
    private ConversationWriter _writer = null!;
    private Npgsql.NpgsqlDataSource _app = null!;
    private Npgsql.NpgsqlDataSource _system = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(workers.App.RedisConnectionString);
        _app = PersistenceExtensions.BuildDataSource(workers.App.Database.App);
        _system = PersistenceExtensions.BuildDataSource(workers.App.Database.System);
        _writer = new ConversationWriter(_app, new RedisRealtimePublisher(_redis, NullLogger<RedisRealtimePublisher>.Instance), TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        _sandbox.Dispose();
        await _app.DisposeAsync();
        await _system.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task KeepAnUnclaimedAgentsReplyFromTheVisitorAndSayOnceThatAClaimIsNeeded()
    {
        var tenant = await ConnectedTenantAsync();
        var topic = await VisitorConversationAsync(tenant, "Ann");

        var first = await WriteAsync(tenant, tenant.GroupId, Agent1, "Ada", "Hello, how can I help?", topic.Thread);
        var second = await WriteAsync(tenant, tenant.GroupId, Agent1, "Ada", "Are you there?", topic.Thread);
        await ProcessedAsync(tenant, first.UpdateId);
        await ProcessedAsync(tenant, second.UpdateId);

        var notices = (await MessagesAsync(tenant.BotId, tenant.GroupId))
            .Where(m => m.GetProperty("fromBot").GetBoolean() && Text(m).Contains("claim this conversation first", StringComparison.Ordinal)).ToList();
        var notice = Assert.Single(notices);
        Assert.Equal(topic.Thread, notice.GetProperty("threadId").GetInt32());
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND direction <> 'Inbound'",
            tenant.TenantId, topic.ConversationId));
    }

    [Fact]
    public async Task LetExactlyOneOfTwoAgentsPressingClaimWinAndDeliverTheWinnersReply()
    {
        var tenant = await ConnectedTenantAsync();
        var topic = await VisitorConversationAsync(tenant, "Ben");
        var claim = $"claim:{topic.ConversationId:N}";

        var presses = await Task.WhenAll(
            PressAsync(tenant, Agent1, "Ada", topic.Card, claim),
            PressAsync(tenant, Agent2, "Bo", topic.Card, claim));
        var answers = new List<JsonElement>();
        foreach (var press in presses)
        {
            answers.Add(await AnsweredAsync(tenant, press));
        }
        var winner = await ScalarTextAsync("SELECT claimed_by FROM conversations WHERE tenant_id = $1 AND id = $2", tenant.TenantId, topic.ConversationId);
        var winnerId = winner == "Ada" ? Agent1 : Agent2;
        var reply = await WriteAsync(tenant, tenant.GroupId, winnerId, winner, "I have it, one moment", topic.Thread);
        await ProcessedAsync(tenant, reply.UpdateId);

        Assert.True(winner is "Ada" or "Bo", $"the winner is one of the two, not {winner}");
        Assert.Single(answers, a => a.GetProperty("answerText").GetString()!.StartsWith("You have", StringComparison.Ordinal));
        Assert.Single(answers, a => a.GetProperty("answerText").GetString() == $"Already claimed by {winner}.");
        using var api = ApiClient(tenant.ApiKey);
        var page = await api.GetFromJsonAsync<JsonElement>($"/v2/conversations/{topic.ConversationId}/messages", Ct);
        var delivered = Assert.Single(page.GetProperty("messages").EnumerateArray(), m => m.GetProperty("direction").GetString() == "OUTBOUND");
        Assert.Equal("I have it, one moment", delivered.GetProperty("text").GetString());
        Assert.Equal(winner, delivered.GetProperty("agent").GetString());
        // The title follows the claim through the outbound pipeline (the domain event), not the inbox.
        await TopicAsync(tenant, topic.Thread, name => name.StartsWith($"✅ {winner} · ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClaimUnderTheAgentNameOfThePortalMemberTheTelegramAgentIsLinkedTo()
    {
        var tenant = await ConnectedTenantAsync();
        var before = await VisitorConversationAsync(tenant, "Faye");
        await CommandAsync(tenant, before, "/claim");
        var userId = Guid.CreateVersion7();
        var email = $"ada-{userId:N}@example.test";
        await workers.ScalarAsync<int>("""
            WITH u AS (INSERT INTO users (id, user_name, normalized_user_name, email, normalized_email, email_confirmed, security_stamp, concurrency_stamp,
                                          phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count, display_name, created_at)
                       VALUES ($1, $2, upper($2), $2, upper($2), true, 'stamp', 'stamp', false, false, true, 0, 'Ada Lovelace', now()) RETURNING 1),
                 m AS (INSERT INTO memberships (id, tenant_id, user_id, role, can_manage_support_chats, agent_name, created_at)
                       SELECT $3, $4, $1, 'Agent', true, 'Ada Lovelace', now() FROM u RETURNING 1)
            SELECT count(*)::int FROM m
            """, userId, email, Guid.CreateVersion7(), tenant.TenantId);
        // What the team page does when an admin links the Telegram agent to the member.
        await workers.ScalarAsync<int>("WITH a AS (UPDATE telegram_agents SET user_id = $1 WHERE tenant_id = $2 AND telegram_user_id = $3 RETURNING 1) " +
            "SELECT count(*)::int FROM a", userId, tenant.TenantId, Agent1);

        var after = await VisitorConversationAsync(tenant, "Gus");
        await CommandAsync(tenant, after, "/claim");

        Assert.Equal("Ada", (await RowAsync(tenant, before.ConversationId)).ClaimedBy);
        Assert.Equal("Ada Lovelace", (await RowAsync(tenant, after.ConversationId)).ClaimedBy);
    }

    [Fact]
    public async Task NameATelegramAgentApartFromAPortalMemberWithTheSameName()
    {
        var tenant = await ConnectedTenantAsync();
        var userId = Guid.CreateVersion7();
        var email = $"ada-{userId:N}@example.test";
        // A portal member of this tenant already claims under "Ada" before the Telegram agent Ada first acts.
        await workers.ScalarAsync<int>("""
            WITH u AS (INSERT INTO users (id, user_name, normalized_user_name, email, normalized_email, email_confirmed, security_stamp, concurrency_stamp,
                                          phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count, display_name, created_at)
                       VALUES ($1, $2, upper($2), $2, upper($2), true, 'stamp', 'stamp', false, false, true, 0, 'Ada', now()) RETURNING 1),
                 m AS (INSERT INTO memberships (id, tenant_id, user_id, role, can_manage_support_chats, agent_name, created_at)
                       SELECT $3, $4, $1, 'Agent', true, 'Ada', now() FROM u RETURNING 1)
            SELECT count(*)::int FROM m
            """, userId, email, Guid.CreateVersion7(), tenant.TenantId);
        var topic = await VisitorConversationAsync(tenant, "Hal");
        var other = await ConnectedTenantAsync();
        var otherTopic = await VisitorConversationAsync(other, "Ivy");

        await CommandAsync(tenant, topic, "/claim");
        await CommandAsync(other, otherTopic, "/claim");

        var claimedBy = (await RowAsync(tenant, topic.ConversationId)).ClaimedBy;
        Assert.NotEqual("Ada", claimedBy);
        Assert.StartsWith("Ada", claimedBy, StringComparison.Ordinal);
        // Another tenant's members do not take the name: there, the Telegram agent is plain Ada.
        Assert.Equal("Ada", (await RowAsync(other, otherTopic.ConversationId)).ClaimedBy);
    }

    [Fact]
    public async Task CloseTheConversationWithTheCloseButton()
    {
        var tenant = await ConnectedTenantAsync();
        var topic = await VisitorConversationAsync(tenant, "Cleo");

        var press = await PressAsync(tenant, Agent1, "Ada", topic.Card, $"close:{topic.ConversationId:N}");
        var answer = await AnsweredAsync(tenant, press);

        Assert.Equal("Closed", await ScalarTextAsync("SELECT status FROM conversations WHERE tenant_id = $1 AND id = $2",
            tenant.TenantId, topic.ConversationId));
        Assert.EndsWith("is closed.", answer.GetProperty("answerText").GetString(), StringComparison.Ordinal);
        await TopicAsync(tenant, topic.Thread, name => name.StartsWith("☑️", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunTopicCommandsWithOrWithoutTheBotsName()
    {
        var tenant = await ConnectedTenantAsync();
        var topic = await VisitorConversationAsync(tenant, "Dina");
        var bot = await ScalarTextAsync("SELECT bot_username FROM telegram_channels WHERE tenant_id = $1", tenant.TenantId);

        await CommandAsync(tenant, topic, $"/claim@{bot}");
        await CommandAsync(tenant, topic, "/rename Dina (refund)");
        await CommandAsync(tenant, topic, "/note welcome");
        await CommandAsync(tenant, topic, "/info");
        await CommandAsync(tenant, topic, "/claim@someone_elses_bot");
        var state = await RowAsync(tenant, topic.ConversationId);
        await CommandAsync(tenant, topic, "/release");
        var released = await RowAsync(tenant, topic.ConversationId);
        await CommandAsync(tenant, topic, "/close");

        Assert.Equal(("Claimed", "Ada", "Dina (refund)"), state);
        Assert.Equal("Open", released.Status);
        Assert.Equal("Closed", (await RowAsync(tenant, topic.ConversationId)).Status);
        Assert.Equal("Hi! How can we help you today?", await ScalarTextAsync(
            "SELECT text FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND direction = 'System'", tenant.TenantId, topic.ConversationId));
        var info = Assert.Single(await MessagesAsync(tenant.BotId, tenant.GroupId), m => Text(m).StartsWith("ℹ️", StringComparison.Ordinal));
        Assert.Contains("Claimed by: Ada", Text(info), StringComparison.Ordinal);
        Assert.Contains("Channel: web", Text(info), StringComparison.Ordinal);
        Assert.Contains("Interface: widget", Text(info), StringComparison.Ordinal);
        await TopicAsync(tenant, topic.Thread, name => name.Contains("Dina (refund)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EditTheStoredReplyInPlaceWhenTheAgentEditsIt()
    {
        var tenant = await ConnectedTenantAsync();
        var topic = await VisitorConversationAsync(tenant, "Eli");
        await CommandAsync(tenant, topic, "/claim");
        var written = await WriteAsync(tenant, tenant.GroupId, Agent1, "Ada", "Your refund is on its way", topic.Thread);
        await ProcessedAsync(tenant, written.UpdateId);

        await EditAsync(tenant, tenant.GroupId, written.MessageId, Agent1, "Your refund is on its way (3 days)");

        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND direction = 'Outbound'",
            tenant.TenantId, topic.ConversationId));
        Assert.Equal("Your refund is on its way (3 days)", await ScalarTextAsync(
            "SELECT text FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND direction = 'Outbound' AND edited_at IS NOT NULL",
            tenant.TenantId, topic.ConversationId));
    }

    [Fact]
    public async Task EditTheOtherSidesCopyWhenTheCustomerOrTheAgentEdits()
    {
        var tenant = await ConnectedTenantAsync();
        const long customer = 880_004;
        var written = await WriteAsync(tenant, customer, customer, "Ida", "My adress is Main St 1");
        await ProcessedAsync(tenant, written.UpdateId);
        var conversationId = Guid.Parse(await ScalarTextAsync("SELECT id::text FROM conversations WHERE tenant_id = $1", tenant.TenantId));
        var topic = await TopicOfAsync(tenant, conversationId, "Ida", "My adress is Main St 1");
        await CommandAsync(tenant, topic, "/claim");
        var reply = await WriteAsync(tenant, tenant.GroupId, Agent1, "Ada", "Thanks, noted", topic.Thread);
        await ProcessedAsync(tenant, reply.UpdateId);
        await PrivateMessagesAsync(tenant, customer, m => Text(m) == "Thanks, noted");

        await EditAsync(tenant, customer, written.MessageId, customer, "My address is Main St 1");
        await EditAsync(tenant, tenant.GroupId, reply.MessageId, Agent1, "Thanks, noted: Main St 1");

        var chat = await PrivateMessagesAsync(tenant, customer, m => Text(m) == "Thanks, noted: Main St 1");
        await Eventually.HoldsAsync(async () => (await MessagesAsync(tenant.BotId, tenant.GroupId)).Any(m => Text(m) == "My address is Main St 1"),
            "the topic's copy of the customer's message follows the edit");
        Assert.DoesNotContain(chat, m => Text(m) == "Thanks, noted");
        Assert.DoesNotContain(await MessagesAsync(tenant.BotId, tenant.GroupId), m => Text(m) == "My adress is Main St 1");
        Assert.Equal(2L, await CountAsync("SELECT count(*) FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND edited_at IS NOT NULL",
            tenant.TenantId, conversationId));
    }

    [Fact]
    public async Task GreetStartAndContinueAPrivateChatAndSendTheAgentsReplyBack()
    {
        var tenant = await ConnectedTenantAsync();
        const long customer = 880_001;

        await ProcessedAsync(tenant, (await WriteAsync(tenant, customer, customer, "Fay", "/start")).UpdateId);
        await ProcessedAsync(tenant, (await WriteAsync(tenant, customer, customer, "Fay", "My parcel is lost")).UpdateId);
        await ProcessedAsync(tenant, (await WriteAsync(tenant, customer, customer, "Fay", "Order 1234")).UpdateId);
        var conversationId = Guid.Parse(await ScalarTextAsync(
            "SELECT c.id::text FROM conversations c JOIN customer_identities i ON i.tenant_id = c.tenant_id AND i.customer_id = c.customer_id " +
            "WHERE c.tenant_id = $1 AND i.kind = 'Telegram' AND i.external_id = $2", tenant.TenantId, customer.ToString(CultureInfo.InvariantCulture)));
        var topic = await TopicOfAsync(tenant, conversationId, "Fay", "Order 1234");
        await CommandAsync(tenant, topic, "/claim");
        await ProcessedAsync(tenant, (await WriteAsync(tenant, tenant.GroupId, Agent1, "Ada", "We are on it, Fay", topic.Thread)).UpdateId);

        var chat = await PrivateMessagesAsync(tenant, customer, m => Text(m) == "We are on it, Fay");
        Assert.Contains(chat, m => m.GetProperty("fromBot").GetBoolean() && Text(m) == "Hi! How can we help you today?");
        Assert.Equal(("telegram", "bot"), (await ScalarTextAsync("SELECT channel FROM conversations WHERE tenant_id = $1 AND id = $2", tenant.TenantId, conversationId),
            await ScalarTextAsync("SELECT interface FROM conversations WHERE tenant_id = $1 AND id = $2", tenant.TenantId, conversationId)));
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM conversations WHERE tenant_id = $1", tenant.TenantId));
        Assert.Equal(2L, await CountAsync("SELECT count(*) FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND direction = 'Inbound'",
            tenant.TenantId, conversationId));
    }

    [Fact]
    public async Task EraseATelegramCustomersPersonalDataEverywhereAndRenameTheirTopic()
    {
        var tenant = await ConnectedTenantAsync();
        var other = await ConnectedTenantAsync();
        const long customer = 880_077;
        await using var receiver = await WebhookReceiver.StartAsync();
        using var api = ApiClient(tenant.ApiKey);
        (await api.PostAsJsonAsync("/v2/webhooks", new { url = new Uri(receiver.BaseUrl, "/erasure").ToString(), events = ErasureEvents }, Ct))
            .EnsureSuccessStatusCode();
        await ProcessedAsync(tenant, (await WriteAsync(tenant, customer, customer, "Fay Secretname", "/start")).UpdateId);
        await ProcessedAsync(tenant, (await WriteAsync(tenant, customer, customer, "Fay Secretname", "I live at 5 Secretname Lane")).UpdateId);
        var conversationId = Guid.Parse(await ScalarTextAsync(
            "SELECT c.id::text FROM conversations c JOIN customer_identities i ON i.tenant_id = c.tenant_id AND i.customer_id = c.customer_id " +
            "WHERE c.tenant_id = $1 AND i.kind = 'Telegram' AND i.external_id = $2", tenant.TenantId, customer.ToString(CultureInfo.InvariantCulture)));
        var topic = await TopicOfAsync(tenant, conversationId, "Fay Secretname", "I live at 5 Secretname Lane");
        await CommandAsync(tenant, topic, "/claim");
        await ProcessedAsync(tenant, (await WriteAsync(tenant, tenant.GroupId, Agent1, "Ada", "We will visit Secretname Lane", topic.Thread)).UpdateId);
        await PrivateMessagesAsync(tenant, customer, m => Text(m) == "We will visit Secretname Lane");
        var theirs = await VisitorConversationAsync(other, "Kim Secretname");

        var stored = await CountAsync("SELECT count(*) FROM messages WHERE tenant_id = $1 AND conversation_id = $2", tenant.TenantId, conversationId);
        // The integrator got the customer's words: our copy of what was sent goes with the rest.
        await receiver.WaitForAsync("/erasure", r => r.Any(x => x.Body.Contains("5 Secretname Lane", StringComparison.Ordinal)));

        // Another tenant's key knows nothing of the conversation.
        using var otherApi = ApiClient(other.ApiKey);
        using (var refused = await otherApi.DeleteAsync($"/v2/conversations/{conversationId}/customer", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }
        using var erased = await api.DeleteAsync($"/v2/conversations/{conversationId}/customer", Ct);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var result = await erased.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(conversationId, Assert.Single(result.GetProperty("conversations").EnumerateArray()).GetGuid());
        Assert.Equal(stored, result.GetProperty("messages").GetInt64());
        var title = $"#{TopicTitleFormatter.ShortId(conversationId)} erased";
        // Claimed by Ada: the title keeps who has it, and the name is gone.
        await TopicAsync(tenant, topic.Thread, name => name == $"✅ Ada · {title}");
        await Eventually.HoldsAsync(async () => (await MessagesAsync(tenant.BotId, tenant.GroupId))
            .Any(m => m.GetProperty("messageId").GetInt32() == topic.Card && Text(m).StartsWith(title + "\n", StringComparison.Ordinal)),
            "the topic's card names the conversation erased");
        // What Telegram showed goes too: the customer's words in their private chat, the bot's copies and the agent's reply in
        // the topic. The topic and its card stay.
        await Eventually.HoldsAsync(async () => await CountAsync(
            "SELECT count(*) FROM telegram_deliveries WHERE tenant_id = $1 AND conversation_id = $2 AND kind = 'erase' AND status <> 'Sent'",
            tenant.TenantId, conversationId) == 0, "every erasing delivery is done");
        Assert.True(await CountAsync("SELECT count(*) FROM telegram_deliveries WHERE tenant_id = $1 AND conversation_id = $2 AND kind = 'erase'",
            tenant.TenantId, conversationId) >= 3, "the customer's message, its copy in the topic and the agent's reply are erased");
        // Only Telegram's own note of the topic's creation keeps its first title: no bot may delete it (docs/retention.md).
        Assert.Equal(["forum_topic_created"], (await MessagesAsync(tenant.BotId, tenant.GroupId))
            .Where(m => Text(m).Contains("Secretname", StringComparison.Ordinal)).Select(m => m.GetProperty("service").GetString()));
        Assert.DoesNotContain(await MessagesAsync(tenant.BotId, customer), m => Text(m).Contains("Secretname", StringComparison.Ordinal));
        Assert.Contains(await MessagesAsync(tenant.BotId, tenant.GroupId), m => m.GetProperty("messageId").GetInt32() == topic.Card);
        var left = new List<string>();
        foreach (var (table, column) in PersonalColumns)
        {
            var rows = await CountAsync($"SELECT count(*) FROM {table} WHERE tenant_id = $1 AND {column}::text LIKE '%Secretname%'", tenant.TenantId);
            left.AddRange(rows > 0 ? [$"{table}.{column}: {rows}"] : []);
        }
        Assert.Empty(left);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM customer_identities WHERE tenant_id = $1", tenant.TenantId));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM refresh_tokens WHERE tenant_id = $1", tenant.TenantId));
        using var audited = JsonDocument.Parse(await ScalarTextAsync(
            "SELECT details::text FROM audit_entries WHERE tenant_id = $1 AND action = 'customer.erased' AND target_type = 'customer' AND target_id = $2",
            tenant.TenantId, result.GetProperty("customerId").GetGuid().ToString()));
        Assert.Equal((1, stored, 0), (audited.RootElement.GetProperty("conversations").GetInt32(), audited.RootElement.GetProperty("messages").GetInt64(),
            audited.RootElement.GetProperty("attachments").GetInt32()));
        // The other tenant's customer keeps everything.
        Assert.Equal("Kim Secretname", (await RowAsync(other, theirs.ConversationId)).Name);
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM messages WHERE tenant_id = $1 AND text = 'Hello from Kim Secretname'", other.TenantId));

        // Written again, the erased customer is somebody new: a new customer and a new conversation, nothing of the old.
        await ProcessedAsync(tenant, (await WriteAsync(tenant, customer, customer, "Fay", "Hello again")).UpdateId);
        Assert.Equal(2L, await CountAsync("SELECT count(DISTINCT customer_id) FROM conversations WHERE tenant_id = $1", tenant.TenantId));
        using var again = await api.DeleteAsync($"/v2/conversations/{conversationId}/customer", Ct);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(0, (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("messages").GetInt64());
    }

    [Fact]
    public async Task OverwriteTheBotsCopyOfAnErasedMessageWhenTelegramWillNotDeleteIt()
    {
        var tenant = await ConnectedTenantAsync();
        const long customer = 880_078;
        await ProcessedAsync(tenant, (await WriteAsync(tenant, customer, customer, "Gil Oldname", "My card ends in 4242")).UpdateId);
        var conversationId = Guid.Parse(await ScalarTextAsync("SELECT id::text FROM conversations WHERE tenant_id = $1", tenant.TenantId));
        var topic = await TopicOfAsync(tenant, conversationId, "Gil Oldname", "My card ends in 4242");
        // Telegram refuses deletions past 48 hours: here every deletion is refused.
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/faults",
            new { method = "deleteMessage", errorCode = 400, description = "Bad Request: message can't be deleted", count = 100 }, Ct)).EnsureSuccessStatusCode();
        using var api = ApiClient(tenant.ApiKey);

        using var erased = await api.DeleteAsync($"/v2/conversations/{conversationId}/customer", Ct);

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        await Eventually.HoldsAsync(async () => await CountAsync(
            "SELECT count(*) FROM telegram_deliveries WHERE tenant_id = $1 AND conversation_id = $2 AND kind = 'erase' AND status = 'Pending'",
            tenant.TenantId, conversationId) == 0, "every erasing delivery has an outcome");
        // The bot's own copy in the topic now says erased; the customer's message in their chat is theirs (a bot cannot edit
        // it), so that delivery fails with Telegram's reason, for the operator to see.
        Assert.Contains(await MessagesAsync(tenant.BotId, tenant.GroupId), m => Text(m) == "(erased)" && m.GetProperty("threadId").GetInt32() == topic.Thread);
        Assert.DoesNotContain(await MessagesAsync(tenant.BotId, tenant.GroupId),
            m => Text(m).Contains("4242", StringComparison.Ordinal));
        Assert.Equal(1L, await CountAsync("""
            SELECT count(*) FROM telegram_deliveries
            WHERE tenant_id = $1 AND conversation_id = $2 AND kind = 'erase' AND target = 'private' AND status = 'Failed' AND last_error LIKE '%can''t be edited%'
            """, tenant.TenantId, conversationId));
    }

    private static readonly string[] ErasureEvents = ["conversation.started", "message.added", "conversation.renamed"];

    // Where a customer's name or words can be: after their erasure, none of these holds them.
    private static readonly (string Table, string Column)[] PersonalColumns =
    [
        ("messages", "text"), ("conversations", "name"), ("customers", "display_name"), ("outbox_messages", "payload"),
        ("webhook_deliveries", "payload"), ("telegram_deliveries", "payload"), ("inbound_updates", "payload"), ("audit_entries", "details"),
    ];

    [Fact]
    public async Task ReopenAClosedConversationWhenTheCustomerWritesAgain()
    {
        var tenant = await ConnectedTenantAsync();
        const long customer = 880_002;
        await ProcessedAsync(tenant, (await WriteAsync(tenant, customer, customer, "Gus", "Hello")).UpdateId);
        var conversationId = Guid.Parse(await ScalarTextAsync("SELECT id::text FROM conversations WHERE tenant_id = $1", tenant.TenantId));
        await _writer.CloseAsync(tenant.Info, conversationId, "Ada", Ct);

        await ProcessedAsync(tenant, (await WriteAsync(tenant, customer, customer, "Gus", "One more thing")).UpdateId);

        Assert.Equal("Open", (await RowAsync(tenant, conversationId)).Status);
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM conversations WHERE tenant_id = $1", tenant.TenantId));
    }

    [Fact]
    public async Task AnswerASuspendedTenantsCustomerWithItsOfflineTextAndStartNothingUntilTheTenantIsResumed()
    {
        var suspended = await ConnectedTenantAsync();
        var active = await ConnectedTenantAsync();
        const string Offline = "Our support desk is closed for now.";
        await OwnTemplateAsync(suspended, "offline", Offline);
        await OwnTemplateAsync(active, "offline", "The other tenant's desk is closed.");
        const long customer = 880_005;
        const long otherCustomer = 880_006;
        var administration = new TenantAdministration(SystemFactory(), TimeProvider.System);
        var by = new PlatformOperator(Guid.CreateVersion7(), "operator@example.test");
        Assert.True(await administration.SuspendAsync(by, suspended.TenantId, Ct));

        var written = await WriteAsync(suspended, customer, customer, "Nora", "Is anyone there?");
        var theirs = await WriteAsync(active, otherCustomer, otherCustomer, "Otto", "Hello from Otto");
        await ProcessedAsync(suspended, written.UpdateId);
        await ProcessedAsync(active, theirs.UpdateId);

        // The Api stored the update and the Workers answered it with the tenant's own offline text, in the private chat.
        var chat = await PrivateMessagesAsync(suspended, customer, m => m.GetProperty("fromBot").GetBoolean() && Text(m) == Offline);
        Assert.Equal(["Is anyone there?", Offline], chat.Select(Text));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM inbound_updates WHERE tenant_id = $1 AND update_id = $2 AND failed_at IS NOT NULL",
            suspended.TenantId, written.UpdateId));
        // Nothing started: no customer, no identity, no conversation, no message.
        Assert.Equal((0L, 0L, 0L, 0L), (
            await CountAsync("SELECT count(*) FROM customers WHERE tenant_id = $1", suspended.TenantId),
            await CountAsync("SELECT count(*) FROM customer_identities WHERE tenant_id = $1", suspended.TenantId),
            await CountAsync("SELECT count(*) FROM conversations WHERE tenant_id = $1", suspended.TenantId),
            await CountAsync("SELECT count(*) FROM messages WHERE tenant_id = $1", suspended.TenantId)));
        // The active tenant's bot meanwhile works as usual: a conversation with the customer's message, no offline text.
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM conversations WHERE tenant_id = $1", active.TenantId));
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM messages WHERE tenant_id = $1 AND direction = 'Inbound' AND text = 'Hello from Otto'",
            active.TenantId));
        Assert.DoesNotContain(await MessagesAsync(active.BotId, otherCustomer), m => m.GetProperty("fromBot").GetBoolean());

        Assert.True(await administration.ResumeAsync(by, suspended.TenantId, Ct));
        var again = await WriteAsync(suspended, customer, customer, "Nora", "Hello again");
        await ProcessedAsync(suspended, again.UpdateId);

        var conversationId = Guid.Parse(await ScalarTextAsync(
            "SELECT c.id::text FROM conversations c JOIN customer_identities i ON i.tenant_id = c.tenant_id AND i.customer_id = c.customer_id " +
            "WHERE c.tenant_id = $1 AND i.kind = 'Telegram' AND i.external_id = $2", suspended.TenantId, customer.ToString(CultureInfo.InvariantCulture)));
        await TopicOfAsync(suspended, conversationId, "Nora", "Hello again");
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM conversations WHERE tenant_id = $1", suspended.TenantId));
        Assert.Equal(["Hello again"], await InboundTextsAsync(suspended, conversationId));
        Assert.Single(await MessagesAsync(suspended.BotId, customer), m => Text(m) == Offline);
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM conversations WHERE tenant_id = $1", active.TenantId));
    }

    [Fact]
    public async Task MarkABlockedPrivateChatInactiveAndAnUnblockedOneActive()
    {
        var tenant = await ConnectedTenantAsync();
        const long customer = 880_003;
        await ProcessedAsync(tenant, (await WriteAsync(tenant, customer, customer, "Hal", "Hi")).UpdateId);

        await ProcessedAsync(tenant, await BlockAsync(tenant, customer, "block"));
        var blocked = await IdentityActiveAsync(tenant, customer);
        await ProcessedAsync(tenant, await BlockAsync(tenant, customer, "unblock"));

        Assert.False(blocked);
        Assert.True(await IdentityActiveAsync(tenant, customer));
    }

    [Fact]
    public async Task GiveUpOnAnUpdateItCannotReadAndGoOnWithTheChatsNextOne()
    {
        var tenant = await ConnectedTenantAsync();
        var topic = await VisitorConversationAsync(tenant, "Ivy");
        await CommandAsync(tenant, topic, "/claim");
        var last = await CountAsync("SELECT max(update_id) FROM inbound_updates WHERE tenant_id = $1", tenant.TenantId);
        // Far above the sandbox's own ids for this bot, so they never meet; the malformed one comes first in the chat.
        var poison = last + 1_000_000;
        var message = JsonSerializer.Serialize(new
        {
            update_id = poison + 1,
            message = new
            {
                message_id = 900_001,
                from = new { id = Agent1, is_bot = false, first_name = "Ada" },
                chat = new { id = tenant.GroupId, type = "supergroup", title = "Support", is_forum = true },
                date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                message_thread_id = topic.Thread,
                is_topic_message = true,
                text = "After the broken one",
            },
        });
        await workers.ScalarAsync<int>("""
            WITH i AS (
                INSERT INTO inbound_updates (id, tenant_id, bot_id, update_id, chat_id, kind, payload, received_at, attempts)
                VALUES (gen_random_uuid(), $1, $2, $3, $4, 'message', '{"update_id": 1, "message": {"message_id": "not a number", "chat": 7}}', now(), 0),
                       (gen_random_uuid(), $1, $2, $3 + 1, $4, 'message', $5::jsonb, now(), 0)
                RETURNING 1)
            SELECT count(*)::int FROM i
            """, tenant.TenantId, tenant.BotId, poison, tenant.GroupId, message);

        await ProcessedAsync(tenant, poison + 1);

        Assert.Equal("After the broken one", await ScalarTextAsync(
            "SELECT text FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND direction = 'Outbound'", tenant.TenantId, topic.ConversationId));
        Assert.StartsWith("Malformed update", await ScalarTextAsync(
            "SELECT last_error FROM inbound_updates WHERE tenant_id = $1 AND update_id = $2 AND failed_at IS NOT NULL AND processed_at IS NOT NULL",
            tenant.TenantId, poison), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NeverLetOneTenantsUpdateTouchAnotherTenantsConversation()
    {
        var a = await ConnectedTenantAsync();
        var b = await ConnectedTenantAsync();
        var theirs = await VisitorConversationAsync(b, "Jo");
        var ours = await VisitorConversationAsync(a, "Kim");
        // Tenant A's bot gets a button press naming tenant B's conversation (a forged or stale callback).
        var update = JsonSerializer.Serialize(new
        {
            update_id = 1,
            callback_query = new
            {
                id = "forged-1",
                from = new { id = Agent1, is_bot = false, first_name = "Ada" },
                chat_instance = "1",
                data = $"claim:{theirs.ConversationId:N}",
                message = new
                {
                    message_id = ours.Card,
                    date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                    chat = new { id = a.GroupId, type = "supergroup", title = "Support", is_forum = true },
                    message_thread_id = ours.Thread,
                    is_topic_message = true,
                    text = "card",
                },
            },
        });
        var forged = await CountAsync("SELECT max(update_id) FROM inbound_updates WHERE tenant_id = $1", a.TenantId) + 1_000_000;
        await workers.ScalarAsync<int>("""
            WITH i AS (
                INSERT INTO inbound_updates (id, tenant_id, bot_id, update_id, chat_id, kind, payload, received_at, attempts)
                VALUES (gen_random_uuid(), $1, $2, $3, $4, 'callback_query', $5::jsonb, now(), 0) RETURNING 1)
            SELECT count(*)::int FROM i
            """, a.TenantId, a.BotId, forged, a.GroupId, update);

        await ProcessedAsync(a, forged);

        Assert.Equal(("Open", (string?)null, "Jo"), await RowAsync(b, theirs.ConversationId));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM telegram_agents WHERE tenant_id = $1", b.TenantId));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM inbound_updates WHERE tenant_id = $1 AND update_id = $2 AND failed_at IS NOT NULL",
            a.TenantId, forged));
    }

    [Fact]
    public async Task NeverLetOneTenantsSlowBotHoldUpAnotherTenantsUpdates()
    {
        var slow = await ConnectedTenantAsync();
        var fast = await ConnectedTenantAsync();
        var slowTopic = await VisitorConversationAsync(slow, "Lou");
        var fastTopic = await VisitorConversationAsync(fast, "Max");
        // The slow tenant's next send meets flood control for a minute: the update that sends it stays in process that long.
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{slow.BotId}/faults",
            new { method = "sendMessage", errorCode = 429, retryAfter = 60, count = 1 }, Ct)).EnsureSuccessStatusCode();
        var stuck = await WriteAsync(slow, slow.GroupId, Agent1, "Ada", "a reply that needs a claim notice", slowTopic.Thread);
        await Eventually.HoldsAsync(async () => await CountAsync(
            "SELECT count(*) FROM inbound_updates WHERE tenant_id = $1 AND update_id = $2 AND leased_until > now()", slow.TenantId, stuck.UpdateId) == 1,
            "the slow tenant's update is in process");

        var quick = await WriteAsync(fast, fast.GroupId, Agent1, "Ada", "/claim", fastTopic.Thread);
        await ProcessedAsync(fast, quick.UpdateId);

        Assert.Equal(("Claimed", "Ada", "Max"), await RowAsync(fast, fastTopic.ConversationId));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM inbound_updates WHERE tenant_id = $1 AND update_id = $2 AND processed_at IS NOT NULL",
            slow.TenantId, stuck.UpdateId));
    }

    private const long Agent1 = 770_001;
    private const long Agent2 = 770_002;

    [Fact]
    public async Task StopTheChannelOnceWhenTheBotIsRemovedFromTheGroupAndResumeWhenItIsAnAdministratorAgain()
    {
        var tenant = await ConnectedTenantAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        using var api = ApiClient(tenant.ApiKey);
        (await api.PostAsJsonAsync("/v2/webhooks", new { url = new Uri(receiver.BaseUrl, "/failed").ToString(), events = ChannelFailed }, Ct))
            .EnsureSuccessStatusCode();

        // As Telegram sends it when the group's owner removes the bot (twice: a repeat must not say it twice).
        var updateId = RandomNumberGenerator.GetInt32(1_000_000, int.MaxValue / 2);
        Assert.Equal(HttpStatusCode.OK, await PostUpdateAsync(tenant, BotMembership(updateId, tenant, "administrator", "left")));
        Assert.Equal(HttpStatusCode.OK, await PostUpdateAsync(tenant, BotMembership(updateId + 1, tenant, "left", "kicked")));
        await Eventually.HoldsAsync(async () => await ChannelStatusAsync(api) == "inactive: bot removed from the support group", "the channel stops");
        var failed = await receiver.WaitForAsync("/failed", r => r.Count >= 1);
        await Eventually.HoldsAsync(async () => await CountAsync(
            "SELECT count(*) FROM inbound_updates WHERE tenant_id = $1 AND update_id = $2 AND processed_at IS NOT NULL", tenant.TenantId, (long)updateId + 1) == 1,
            "the second removal was processed");
        Assert.Equal(HttpStatusCode.OK, await PostUpdateAsync(tenant, BotMembership(updateId + 2, tenant, "kicked", "administrator")));
        await Eventually.HoldsAsync(async () => await ChannelStatusAsync(api) == "active", "the channel works again");

        var body = JsonDocument.Parse(Assert.Single(failed).Body).RootElement;
        Assert.Equal("channel.failed", body.GetProperty("type").GetString());
        Assert.Equal("inactive: bot removed from the support group", body.GetProperty("data").GetProperty("status").GetString());
        Assert.Single(receiver.Received, r => r.Path == "/failed");
    }

    private static readonly string[] ChannelFailed = ["channel.failed"];

    private static object BotMembership(long updateId, ConnectedTenant tenant, string from, string to)
    {
        var bot = new { id = tenant.BotId, is_bot = true, first_name = "Support", username = "support_bot" };
        object Member(string status) => status == "administrator"
            ? new
            {
                user = bot, status, can_be_edited = false, is_anonymous = false, can_manage_chat = true, can_delete_messages = true,
                can_manage_video_chats = true, can_restrict_members = true, can_promote_members = false, can_change_info = true,
                can_invite_users = true, can_post_stories = false, can_edit_stories = false, can_delete_stories = false, can_pin_messages = true,
                can_manage_topics = true,
            }
            : status == "kicked" ? new { user = bot, status, until_date = 0 } : new { user = bot, status };
        return new
        {
            update_id = updateId,
            my_chat_member = new
            {
                chat = new { id = tenant.GroupId, title = "Support", type = "supergroup", is_forum = true },
                from = new { id = 4_100_001, is_bot = false, first_name = "Owner" },
                date = 1_764_000_000,
                old_chat_member = Member(from),
                new_chat_member = Member(to),
            },
        };
    }

    private static async Task<HttpStatusCode> PostUpdateAsync(ConnectedTenant tenant, object update)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, tenant.WebhookUrl) { Content = JsonContent.Create(update) };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", tenant.WebhookSecret);
        using var client = new HttpClient();
        using var response = await client.SendAsync(request, Ct);
        return response.StatusCode;
    }

    private static async Task<string?> ChannelStatusAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<JsonElement>("/v2/channels/telegram", Ct)).GetProperty("status").GetString();

    private static string Text(JsonElement message) =>
        message.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()! : "";

    private async Task<(long UpdateId, int MessageId)> WriteAsync(ConnectedTenant tenant, long chatId, long fromUserId, string firstName, string text,
        int? threadId = null)
    {
        using var response = await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/chats/{chatId}/messages",
            new { fromUserId, firstName, text, threadId }, Ct);
        response.EnsureSuccessStatusCode();
        var action = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (action.GetProperty("updateId").GetInt64(), action.GetProperty("message").GetProperty("messageId").GetInt32());
    }

    private async Task EditAsync(ConnectedTenant tenant, long chatId, int messageId, long fromUserId, string text)
    {
        using var edit = await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/chats/{chatId}/messages/{messageId}/edit", new { fromUserId, text }, Ct);
        edit.EnsureSuccessStatusCode();
        await ProcessedAsync(tenant, (await edit.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("updateId").GetInt64());
    }

    private async Task CommandAsync(ConnectedTenant tenant, VisitorTopic topic, string command) =>
        await ProcessedAsync(tenant, (await WriteAsync(tenant, tenant.GroupId, Agent1, "Ada", command, topic.Thread)).UpdateId);

    private async Task<string> PressAsync(ConnectedTenant tenant, long fromUserId, string firstName, int messageId, string data)
    {
        // The person exists in the group before pressing (the sandbox names them on their first action).
        (await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/groups/{tenant.GroupId}/members",
            new { userId = fromUserId, firstName, status = "member" }, Ct)).EnsureSuccessStatusCode();
        using var response = await _sandbox.PostAsJsonAsync($"/sandbox/bots/{tenant.BotId}/chats/{tenant.GroupId}/callbacks",
            new { fromUserId, messageId, data }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("callbackQueryId").GetString()!;
    }

    private async Task<JsonElement> AnsweredAsync(ConnectedTenant tenant, string callbackQueryId)
    {
        JsonElement callback = default;
        await Eventually.HoldsAsync(async () =>
        {
            callback = await _sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{tenant.BotId}/callbacks/{callbackQueryId}", Ct);
            return callback.GetProperty("answered").GetBoolean();
        }, $"the bot answered the button press {callbackQueryId}");
        return callback;
    }

    private async Task<long> BlockAsync(ConnectedTenant tenant, long userId, string action)
    {
        using var response = await _sandbox.PostAsync(new Uri($"/sandbox/bots/{tenant.BotId}/users/{userId}/{action}", UriKind.Relative), null, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("updateId").GetInt64();
    }

    private Task ProcessedAsync(ConnectedTenant tenant, long updateId) =>
        Eventually.HoldsAsync(async () => await CountAsync(
            "SELECT count(*) FROM inbound_updates WHERE tenant_id = $1 AND update_id = $2 AND processed_at IS NOT NULL", tenant.TenantId, updateId) == 1,
            $"update {updateId} of bot {tenant.BotId} is processed");

    private async Task<bool> IdentityActiveAsync(ConnectedTenant tenant, long userId) =>
        await workers.ScalarAsync<bool>("SELECT is_active FROM customer_identities WHERE tenant_id = $1 AND kind = 'Telegram' AND external_id = $2",
            tenant.TenantId, userId.ToString(CultureInfo.InvariantCulture));

    private async Task<(string Status, string? ClaimedBy, string? Name)> RowAsync(ConnectedTenant tenant, Guid conversationId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(workers.App.Database.System);
        await connection.OpenAsync(Ct);
        await using var command = new Npgsql.NpgsqlCommand("SELECT status, claimed_by, name FROM conversations WHERE tenant_id = $1 AND id = $2", connection)
        {
            Parameters = { new() { Value = tenant.TenantId }, new() { Value = conversationId } },
        };
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    // The tenant's own text for a template key in its default locale (en), as the templates page saves it.
    private async Task OwnTemplateAsync(ConnectedTenant tenant, string key, string text) =>
        await workers.ScalarAsync<int>(
            "WITH t AS (INSERT INTO templates (id, tenant_id, locale, key, text, updated_at) VALUES ($1, $2, 'en', $3, $4, now()) RETURNING 1) " +
            "SELECT count(*)::int FROM t", Guid.CreateVersion7(), tenant.TenantId, key, text);

    private async Task<List<string>> InboundTextsAsync(ConnectedTenant tenant, Guid conversationId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(workers.App.Database.System);
        await connection.OpenAsync(Ct);
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT text FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND direction = 'Inbound' ORDER BY seq", connection)
        {
            Parameters = { new() { Value = tenant.TenantId }, new() { Value = conversationId } },
        };
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var texts = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            texts.Add(reader.GetString(0));
        }
        return texts;
    }

    // The operator console's system scope, for what an operator does to a tenant (suspend, resume).
    private SystemDbContextFactory SystemFactory() => SystemDbContextFactory.Over(_system);

    private async Task<long> CountAsync(string sql, params object[] parameters) =>
        await workers.ScalarAsync<object>(sql, parameters) is long n ? n : 0;

    private Task<string> ScalarTextAsync(string sql, params object[] parameters) => workers.ScalarAsync<string>(sql, parameters);

    private async Task<List<JsonElement>> MessagesAsync(long botId, long chatId) =>
        [.. (await _sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{botId}/chats/{chatId}/messages", Ct)).EnumerateArray().Select(m => m.Clone())];

    private async Task<List<JsonElement>> PrivateMessagesAsync(ConnectedTenant tenant, long userId, Func<JsonElement, bool> until)
    {
        List<JsonElement> messages = [];
        await Eventually.HoldsAsync(async () =>
        {
            messages = await MessagesAsync(tenant.BotId, userId);
            return messages.Any(until);
        }, $"the private chat {userId} shows the message");
        return messages;
    }

    private async Task TopicAsync(ConnectedTenant tenant, int thread, Func<string, bool> name) =>
        await Eventually.HoldsAsync(async () =>
        {
            var topics = await _sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{tenant.BotId}/chats/{tenant.GroupId}/topics", Ct);
            return topics.EnumerateArray().Any(t => t.GetProperty("threadId").GetInt32() == thread && name(t.GetProperty("name").GetString()!));
        }, $"the topic {thread} of bot {tenant.BotId} has the expected title");

    /// <summary>A conversation with a visitor's message, and its topic with the welcome card, as the outbound pipeline made them.</summary>
    private async Task<VisitorTopic> VisitorConversationAsync(ConnectedTenant tenant, string name)
    {
        var id = (await _writer.StartAsync(tenant.Info, name, "en", null, "web", "widget", Ct)).ConversationId;
        await _writer.AddMessageAsync(tenant.Info, id, new MessageSource(MessageDirection.Inbound), $"Hello from {name}", null, Ct);
        return await TopicOfAsync(tenant, id, name, $"Hello from {name}");
    }

    private async Task<VisitorTopic> TopicOfAsync(ConnectedTenant tenant, Guid conversationId, string name, string lastVisitorText)
    {
        var title = $"#{conversationId.ToString("N")[^6..]} {name}";
        var thread = 0;
        await Eventually.HoldsAsync(async () =>
        {
            var topics = await _sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/bots/{tenant.BotId}/chats/{tenant.GroupId}/topics", Ct);
            thread = topics.EnumerateArray().Where(t => t.GetProperty("name").GetString() == title).Select(t => t.GetProperty("threadId").GetInt32())
                .FirstOrDefault();
            return thread != 0;
        }, $"the topic {title} is open");
        var card = 0;
        await Eventually.HoldsAsync(async () =>
        {
            var inTopic = (await MessagesAsync(tenant.BotId, tenant.GroupId))
                .Where(m => m.TryGetProperty("threadId", out var t) && t.ValueKind == JsonValueKind.Number && t.GetInt32() == thread).ToList();
            card = inTopic.Where(m => m.GetProperty("fromBot").GetBoolean() && Text(m).StartsWith(title, StringComparison.Ordinal))
                .Select(m => m.GetProperty("messageId").GetInt32()).FirstOrDefault();
            return card != 0 && inTopic.Any(m => Text(m) == lastVisitorText);
        }, $"the topic {title} shows its card and the visitor's message");
        return new VisitorTopic(conversationId, thread, card);
    }

    private HttpClient ApiClient(string key)
    {
        var client = new HttpClient { BaseAddress = workers.App.ServiceUrls[ResourceNames.Api] };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>A tenant of its own with a fresh sandbox bot and forum group, connected through the Api as a tenant would.</summary>
    private async Task<ConnectedTenant> ConnectedTenantAsync()
    {
        var id = Guid.CreateVersion7();
        var identifier = $"tgin-{id.ToString("N")[..12]}";
        await workers.ScalarAsync<int>(
            "WITH t AS (INSERT INTO tenants (id, identifier, name, plan_id, status, default_locale, allowed_origins, created_at, updated_at) " +
            "VALUES ($1, $2, 'Telegram inbound test', 'business', 'Active', 'en', '{}', now(), now()) RETURNING 1) SELECT count(*)::int FROM t", id, identifier);
        var key = ApiKeySecret.Generate("test");
        await workers.ScalarAsync<int>(
            "WITH k AS (INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, 'test', $3, $4, $5, now()) RETURNING 1) " +
            "SELECT count(*)::int FROM k", Guid.CreateVersion7(), id, ApiKeySecret.Prefix(key), ApiKeySecret.Hash(key), ApiScopes.All.ToArray());
        var botId = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue);
        var token = string.Create(CultureInfo.InvariantCulture, $"{botId}:AA{RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 33)}");
        using var group = await _sandbox.PostAsJsonAsync($"/sandbox/bots/{botId}/groups", new { title = "Support" }, Ct);
        group.EnsureSuccessStatusCode();
        var groupId = (await group.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("chatId").GetInt64();
        using var api = ApiClient(key);
        using var connected = await api.PutAsJsonAsync("/v2/channels/telegram", new { botToken = token, supportGroupId = groupId }, Ct);
        connected.EnsureSuccessStatusCode();
        var channel = await connected.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return new ConnectedTenant(new TenantInfo(id, identifier, "Telegram inbound test", TenantStatus.Active, Plan.BusinessId), key, botId, groupId,
            new Uri(channel.GetProperty("webhookUrl").GetString()!), channel.GetProperty("webhookSecret").GetString()!);
    }

    private sealed record ConnectedTenant(TenantInfo Info, string ApiKey, long BotId, long GroupId, Uri WebhookUrl, string WebhookSecret)
    {
        public Guid TenantId => Info.Id;
    }

    private sealed record VisitorTopic(Guid ConversationId, int Thread, int Card);
}
