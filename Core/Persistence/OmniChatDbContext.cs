using System.Linq.Expressions;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using OmniChat.Core.Audit;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Conversations;
using OmniChat.Core.Customers;
using OmniChat.Core.Identity;
using OmniChat.Core.Messages;
using OmniChat.Core.Outbox;
using OmniChat.Core.Templates;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Persistence;

/// <summary>
/// The OmniChat database. Every <see cref="ITenantOwned"/> entity carries the named query filter
/// <see cref="TenantFilter"/>, and <c>SaveChanges</c> refuses rows of another tenant. PostgreSQL row-level
/// security, keyed on the <c>app.tenant_id</c> setting that <see cref="TenantSessionInterceptor"/> puts on every
/// connection, is the second wall.
/// </summary>
public class OmniChatDbContext : IdentityDbContext<User, IdentityRole<Guid>, Guid>, IDataProtectionKeyContext
{
    /// <summary>Name of the query filter that keeps a context inside its tenant.</summary>
    public const string TenantFilter = "Tenant";

    private readonly ITenantContext _tenantContext;

    /// <summary>A tenant-scoped context: it sees and writes only the rows of <paramref name="tenantContext"/>'s tenant.</summary>
    public OmniChatDbContext(DbContextOptions<OmniChatDbContext> options, ITenantContext tenantContext)
        : this(options, tenantContext, systemScope: false)
    {
    }

    private protected OmniChatDbContext(DbContextOptions options, ITenantContext tenantContext, bool systemScope)
        : base(options)
    {
        _tenantContext = tenantContext;
        IsSystemScope = systemScope;
        SavingChanges += (_, _) => EnforceTenantOnWrites();
    }

    /// <summary>True for the explicit system scope (<see cref="SystemDbContextFactory"/>), which crosses tenants.</summary>
    public bool IsSystemScope { get; }

    /// <summary>The tenant this context is bound to, or <see cref="Guid.Empty"/> when none (then it sees nothing).</summary>
    public Guid CurrentTenantId => _tenantContext.Tenant?.Id ?? Guid.Empty;

    public DbSet<Tenant> Tenants => Set<Tenant>();

    public DbSet<Plan> Plans => Set<Plan>();

    public DbSet<Membership> Memberships => Set<Membership>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<CustomerIdentity> CustomerIdentities => Set<CustomerIdentity>();

    public DbSet<Conversation> Conversations => Set<Conversation>();

    public DbSet<Message> Messages => Set<Message>();

    /// <summary>Each portal user's read position per conversation.</summary>
    public DbSet<ReadState> ReadStates => Set<ReadState>();

    public DbSet<OmniChat.Core.Attachments.Attachment> Attachments => Set<OmniChat.Core.Attachments.Attachment>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<InboundUpdate> InboundUpdates => Set<InboundUpdate>();

    public DbSet<TelegramChannel> TelegramChannels => Set<TelegramChannel>();

    public DbSet<TelegramAgent> TelegramAgents => Set<TelegramAgent>();

    public DbSet<TelegramDelivery> TelegramDeliveries => Set<TelegramDelivery>();

    public DbSet<TelegramMessageRef> TelegramMessageRefs => Set<TelegramMessageRef>();

    public DbSet<OmniChat.Core.Channels.Widget.WidgetChannel> WidgetChannels => Set<OmniChat.Core.Channels.Widget.WidgetChannel>();

    /// <summary>The Data Protection key ring (platform-wide; each key wrapped with the key-encryption key, ADR 0023).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<Template> Templates => Set<Template>();

    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    public DbSet<OmniChat.Core.Webhooks.WebhookSubscription> WebhookSubscriptions => Set<OmniChat.Core.Webhooks.WebhookSubscription>();

    public DbSet<OmniChat.Core.Webhooks.WebhookDelivery> WebhookDeliveries => Set<OmniChat.Core.Webhooks.WebhookDelivery>();

    public DbSet<OmniChat.Core.Webhooks.ProcessedMessage> ProcessedMessages => Set<OmniChat.Core.Webhooks.ProcessedMessage>();

    public DbSet<OmniChat.Core.Billing.BillingEvent> BillingEvents => Set<OmniChat.Core.Billing.BillingEvent>();

    public DbSet<OmniChat.Core.Usage.UsageCounter> UsageCounters => Set<OmniChat.Core.Usage.UsageCounter>();

    public DbSet<OmniChat.Core.Usage.LimitNotice> LimitNotices => Set<OmniChat.Core.Usage.LimitNotice>();

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.OnModelCreating(builder);

        builder.Entity<User>().ToTable("users");
        builder.Entity<User>().Property(u => u.DisplayName).HasMaxLength(200);
        builder.Entity<IdentityRole<Guid>>().ToTable("roles");
        builder.Entity<IdentityUserRole<Guid>>().ToTable("user_roles");
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");
        builder.Entity<IdentityRoleClaim<Guid>>().ToTable("role_claims");

        builder.ApplyConfigurationsFromAssembly(typeof(OmniChatDbContext).Assembly);

        // Tenants are not ITenantOwned (they are the tenant), but a tenant scope sees only its own row.
        builder.Entity<Tenant>().HasQueryFilter(TenantFilter, t => IsSystemScope || t.Id == CurrentTenantId);

        foreach (var entityType in builder.Model.GetEntityTypes()
                     .Where(t => typeof(ITenantOwned).IsAssignableFrom(t.ClrType)))
        {
            var row = Expression.Parameter(entityType.ClrType, "row");
            var context = Expression.Constant(this);
            var filter = Expression.Lambda(
                Expression.OrElse(
                    Expression.Property(context, nameof(IsSystemScope)),
                    Expression.Equal(
                        Expression.Property(row, nameof(ITenantOwned.TenantId)),
                        Expression.Property(context, nameof(CurrentTenantId)))),
                row);
            builder.Entity(entityType.ClrType).HasQueryFilter(TenantFilter, filter);
        }
    }

    private void EnforceTenantOnWrites()
    {
        var current = _tenantContext.Tenant?.Id;
        foreach (var entry in ChangeTracker.Entries<ITenantOwned>())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }

            var row = entry.Entity;
            if (entry.State == EntityState.Added && row.TenantId == Guid.Empty)
            {
                row.TenantId = current ?? throw new TenantNotResolvedException();
            }

            if (IsSystemScope)
            {
                if (row.TenantId == Guid.Empty)
                {
                    throw new TenantNotResolvedException();
                }
                continue;
            }

            var original = entry.State == EntityState.Added
                ? row.TenantId
                : entry.OriginalValues.GetValue<Guid>(nameof(ITenantOwned.TenantId));
            if (current is null || row.TenantId != current || original != current)
            {
                throw new CrossTenantWriteException(entry.Metadata.ClrType.Name, row.TenantId, current);
            }
        }
    }
}
