using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Channels.Telegram;

internal sealed class TelegramChannelConfiguration : IEntityTypeConfiguration<TelegramChannel>
{
    public void Configure(EntityTypeBuilder<TelegramChannel> builder)
    {
        builder.ToTable("telegram_channels");
        builder.Property(c => c.BotUsername).HasMaxLength(64);
        builder.Property(c => c.SupportGroupTitle).HasMaxLength(256);
        builder.Property(c => c.TokenHint).HasMaxLength(32);
        builder.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.StatusReason).HasMaxLength(200);
        builder.Property(c => c.LastError).HasMaxLength(1000);
        // One Telegram channel per tenant (the plan's group limit can lift this later) ...
        builder.HasIndex(c => c.TenantId).IsUnique();
        // ... and a bot serves one tenant: Telegram keeps one webhook per bot, so a second tenant would take the first one's updates.
        builder.HasIndex(c => c.BotId).IsUnique();
        builder.HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
