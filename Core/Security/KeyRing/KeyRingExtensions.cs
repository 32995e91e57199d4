using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.Persistence;

namespace OmniChat.Core.Security.KeyRing;

/// <summary>
/// ASP.NET Core Data Protection for OmniChat's stored secrets (ADR 0023): one application name for every service, the
/// key ring in PostgreSQL (<c>data_protection_keys</c>) so every instance shares it, each key wrapped with the
/// key-encryption key from configuration. Needs <c>AddOmniChatPersistence</c>.
/// </summary>
public static class KeyRingExtensions
{
    /// <summary>The application name shared by every service, so what the Api protects the Workers can read.</summary>
    public const string ApplicationName = "OmniChat";

    public static IHostApplicationBuilder AddOmniChatKeyRing(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<KeyRingOptions>().BindConfiguration(KeyRingOptions.Section)
            .Validate(o => KeyRingOptions.IsValidKey(o.KeyEncryptionKey),
                $"missing or invalid required setting {KeyRingOptions.Section}__KeyEncryptionKey (base64 of 32 random bytes: openssl rand -base64 32)")
            .Validate(o => o.PreviousKeyEncryptionKeys.All(KeyRingOptions.IsValidKey),
                $"every {KeyRingOptions.Section}__PreviousKeyEncryptionKeys entry must be base64 of 32 bytes")
            .ValidateOnStart();
        builder.Services.AddSingleton(KeyEncryptionKeysFactory.Create);
        builder.Services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<OmniChatDbContext>();
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IServiceProvider>((o, services) => o.XmlEncryptor = new KeyEncryptionKeyXmlEncryptor(services.GetRequiredService<KeyEncryptionKeys>()));
        return builder;
    }
}
