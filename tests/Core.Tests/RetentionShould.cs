using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OmniChat.Core.Attachments;
using OmniChat.Core.Conversations;
using OmniChat.Core.Customers;
using OmniChat.Core.Messages;
using OmniChat.Core.Retention;
using OmniChat.Core.Tenancy;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>
/// A tenant's retention period on a controllable clock: exactly what is older than the window goes (messages, attachments
/// with their files, conversations left empty and idle, customers with nothing left), nothing newer, nothing of another
/// tenant; in batches, resumable, audited as counts.
/// </summary>
public sealed class RetentionShould(ServersFixture servers) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);
    private readonly TestDirectory _files = new();
    private TenantDatabase _db = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        _files.Dispose();
    }

    [Fact]
    public async Task DeleteExactlyWhatIsPastTheWindow()
    {
        var storage = new FileSystemAttachmentStorage(_files.Path);
        var a = await ArrangeAsync(_db.TenantA, storage);
        var b = await ArrangeAsync(_db.TenantB, storage);
        // Batches of 2, so every step takes several statements and stops and resumes between them.
        var sweep = new RetentionSweep(_db.AppDataSource, storage, _time, Options.Create(new RetentionOptions { BatchSize = 2 }),
            NullLogger<RetentionSweep>.Instance);

        var result = await sweep.ApplyAsync(_db.TenantA.Id, 30, Ct);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"retention: longest statement {result.LongestStatement.TotalMilliseconds:0.0} ms (batches of 2)");
        Assert.Equal((5L, 1L, 2L, 1L), (result.Messages, result.Attachments, result.Conversations, result.Customers));
        await using var system = _db.ForSystem();
        Assert.Equal(a.Kept.Order(), (await system.Messages.Where(m => a.All.Contains(m.Id)).Select(m => m.Id).ToListAsync(Ct)).Order());
        Assert.Equal([a.ActiveConversation], await system.Conversations.Where(c => a.Conversations.Contains(c.Id)).Select(c => c.Id).ToListAsync(Ct));
        Assert.Equal(new[] { a.NewCustomer, a.ActiveCustomer }.Order(),
            (await system.Customers.Where(c => a.Customers.Contains(c.Id)).Select(c => c.Id).ToListAsync(Ct)).Order());
        Assert.Equal([a.NewAttachment], await system.Attachments.Where(x => x.TenantId == _db.TenantA.Id).Select(x => x.Id).ToListAsync(Ct));
        Assert.False(File.Exists(Path.Combine(_files.Path, a.OldAttachmentKey)));
        Assert.True(File.Exists(Path.Combine(_files.Path, a.NewAttachmentKey)));

        // The other tenant's data, as old, is untouched: its own retention decides.
        Assert.Equal(b.All.Order(), (await system.Messages.Where(m => b.All.Contains(m.Id)).Select(m => m.Id).ToListAsync(Ct)).Order());
        Assert.Equal(3, await system.Conversations.CountAsync(c => b.Conversations.Contains(c.Id), Ct));
        Assert.Equal(3, await system.Customers.CountAsync(c => b.Customers.Contains(c.Id), Ct));
        Assert.Equal(2, await system.Attachments.CountAsync(x => x.TenantId == _db.TenantB.Id, Ct));

        var audit = await system.AuditEntries.SingleAsync(e => e.TenantId == _db.TenantA.Id && e.Action == "retention.applied", Ct);
        using (var details = System.Text.Json.JsonDocument.Parse(audit.Details!))
        {
            Assert.Equal((5, 1, 2, 1), (details.RootElement.GetProperty("messages").GetInt32(), details.RootElement.GetProperty("attachments").GetInt32(),
                details.RootElement.GetProperty("conversations").GetInt32(), details.RootElement.GetProperty("customers").GetInt32()));
        }

        // A second run finds nothing more (and writes no audit entry); a day later, one more message is past the window.
        Assert.False((await sweep.ApplyAsync(_db.TenantA.Id, 30, Ct)).DeletedAnything);
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1L, (await sweep.ApplyAsync(_db.TenantA.Id, 30, Ct)).Messages);
    }

    private sealed record Arranged(Guid ActiveConversation, Guid NewCustomer, Guid ActiveCustomer,
        List<Guid> Kept, List<Guid> All, Guid NewAttachment, string OldAttachmentKey, string NewAttachmentKey, List<Guid> Conversations, List<Guid> Customers);

    /// <summary>
    /// For <paramref name="tenant"/>: an idle conversation (40 days) of an idle customer with 3 old messages; an active
    /// conversation with 2 old messages, one 29.5 days old, one new, an old and a new attachment; an idle empty
    /// conversation of a customer created yesterday (the conversation goes, the customer is too new to).
    /// </summary>
    private async Task<Arranged> ArrangeAsync(TenantInfo tenant, FileSystemAttachmentStorage storage)
    {
        await using var db = _db.ForSystem();
        var old = Now.AddDays(-40);
        var idleCustomer = Customer(tenant, old);
        var activeCustomer = Customer(tenant, Now.AddDays(-40));
        activeCustomer.UpdatedAt = Now.AddDays(-1);
        var newCustomer = Customer(tenant, Now.AddDays(-1));
        db.Customers.AddRange(idleCustomer, activeCustomer, newCustomer);
        var idle = Conversation(tenant, idleCustomer.Id, old, old);
        var active = Conversation(tenant, activeCustomer.Id, old, Now.AddHours(-1));
        var idleOfNewCustomer = Conversation(tenant, newCustomer.Id, old, old);
        db.Conversations.AddRange(idle, active, idleOfNewCustomer);
        var messages = new List<Message>
        {
            Message(tenant, idle.Id, 1, old), Message(tenant, idle.Id, 2, old), Message(tenant, idle.Id, 3, old),
            Message(tenant, active.Id, 1, old), Message(tenant, active.Id, 2, old.AddDays(5)),
            Message(tenant, active.Id, 3, Now.AddDays(-29.5)), Message(tenant, active.Id, 4, Now.AddHours(-1)),
        };
        db.Messages.AddRange(messages);
        var oldKey = $"{tenant.Id:N}/{Guid.NewGuid():N}";
        var newKey = $"{tenant.Id:N}/{Guid.NewGuid():N}";
        foreach (var key in new[] { oldKey, newKey })
        {
            await using var content = new MemoryStream([1, 2, 3]);
            await storage.WriteAsync(key, content, Ct);
        }
        var newAttachment = Attachment(tenant, active.Id, newKey, Now.AddDays(-2));
        db.Attachments.AddRange(Attachment(tenant, active.Id, oldKey, old), newAttachment);
        await db.SaveChangesAsync(Ct);
        return new Arranged(active.Id, newCustomer.Id, activeCustomer.Id,
            [messages[5].Id, messages[6].Id], [.. messages.Select(m => m.Id)], newAttachment.Id, oldKey, newKey,
            [idle.Id, active.Id, idleOfNewCustomer.Id], [idleCustomer.Id, activeCustomer.Id, newCustomer.Id]);
    }

    private static Customer Customer(TenantInfo tenant, DateTimeOffset at) =>
        new() { Id = Guid.CreateVersion7(), TenantId = tenant.Id, CreatedAt = at, UpdatedAt = at };

    private static Conversation Conversation(TenantInfo tenant, Guid customer, DateTimeOffset created, DateTimeOffset updated) =>
        new() { Id = Guid.CreateVersion7(), TenantId = tenant.Id, CustomerId = customer, Name = "Retention", CreatedAt = created, UpdatedAt = updated, LastSeq = 4 };

    private static Message Message(TenantInfo tenant, Guid conversation, long seq, DateTimeOffset at) =>
        new() { Id = Guid.CreateVersion7(), TenantId = tenant.Id, ConversationId = conversation, Seq = seq, Direction = MessageDirection.Inbound, Text = "hi", CreatedAt = at };

    private static Attachment Attachment(TenantInfo tenant, Guid conversation, string key, DateTimeOffset at) =>
        new()
        {
            Id = Guid.CreateVersion7(), TenantId = tenant.Id, ConversationId = conversation, Uploader = AttachmentUploader.Visitor, Name = "a.png",
            ContentType = "image/png", Size = 3, StorageKey = key, Sha256 = new string('0', 64), CreatedAt = at,
        };
}
