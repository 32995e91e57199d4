using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniChat.Core.Channels.Telegram;
using OmniChat.Core.Persistence;
using OmniChat.Core.Security.KeyRing;
using OmniChat.TestKit;

namespace OmniChat.Core.Tests;

/// <summary>
/// The Data Protection key ring (ADR 0023): shared by every instance through PostgreSQL, each key wrapped with the
/// key-encryption key, so the database alone opens nothing and a channel secret of one tenant opens only for that tenant.
/// </summary>
public sealed class KeyRingShould(ServersFixture servers) : IAsyncLifetime
{
    private readonly List<IHost> _hosts = [];
    private TenantDatabase _db = null!;

    public async ValueTask InitializeAsync() => _db = await TenantDatabase.CreateAsync(servers);

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }
        await _db.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TelegramChannelSecrets Instance(string keyEncryptionKey, params string[] previous)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = _db.Connections.App,
            ["DataProtection:KeyEncryptionKey"] = keyEncryptionKey,
        };
        for (var i = 0; i < previous.Length; i++)
        {
            settings[$"DataProtection:PreviousKeyEncryptionKeys:{i}"] = previous[i];
        }
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddOmniChatPersistence();
        builder.AddOmniChatKeyRing();
        builder.Services.AddSingleton<TelegramChannelSecrets>();
        var host = builder.Build();
        _hosts.Add(host);
        return host.Services.GetRequiredService<TelegramChannelSecrets>();
    }

    [Fact]
    public async Task BeSharedByInstancesThroughTheDatabaseWithEveryKeyWrapped()
    {
        var kek = KeyRingOptions.GenerateKey();
        var secret = new TelegramChannelSecret("123456789:AAHsecretsecretsecretsecretsecret12", "webhook-secret");

        var protectedByOne = Instance(kek).Protect(_db.TenantA.Id, secret);
        var readByAnother = Instance(kek).Unprotect(_db.TenantA.Id, protectedByOne);

        Assert.Equal(secret, readByAnother);
        Assert.DoesNotContain(secret.BotToken, protectedByOne, StringComparison.Ordinal);
        var stored = await ReadKeyRingAsync();
        Assert.Single(stored);
        Assert.Contains("wrappedKey", stored[0], StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", stored[0], StringComparison.Ordinal);
    }

    [Fact]
    public void OpenNothingWithoutTheKeyEncryptionKey()
    {
        var protectedValue = Instance(KeyRingOptions.GenerateKey()).Protect(_db.TenantA.Id, new TelegramChannelSecret("1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "s"));

        var otherKek = Instance(KeyRingOptions.GenerateKey());

        Assert.ThrowsAny<CryptographicException>(() => otherKek.Unprotect(_db.TenantA.Id, protectedValue));
    }

    [Fact]
    public void OpenASecretOnlyForTheTenantItWasProtectedFor()
    {
        var secrets = Instance(KeyRingOptions.GenerateKey());
        var protectedValue = secrets.Protect(_db.TenantA.Id, new TelegramChannelSecret("1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "s"));

        Assert.ThrowsAny<CryptographicException>(() => secrets.Unprotect(_db.TenantB.Id, protectedValue));
    }

    [Fact]
    public void KeepOpeningOldKeysAfterTheKeyEncryptionKeyRotates()
    {
        var oldKek = KeyRingOptions.GenerateKey();
        var secret = new TelegramChannelSecret("1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "s");
        var protectedValue = Instance(oldKek).Protect(_db.TenantA.Id, secret);

        var rotated = Instance(KeyRingOptions.GenerateKey(), previous: oldKek);

        Assert.Equal(secret, rotated.Unprotect(_db.TenantA.Id, protectedValue));
    }

    [Fact]
    public void RefuseToStartWithoutAUsableKeyEncryptionKey()
    {
        var error = Assert.ThrowsAny<Exception>(() => Instance("too-short"));
        Assert.Contains("DataProtection__KeyEncryptionKey", error.ToString(), StringComparison.Ordinal);
    }

    private async Task<List<string>> ReadKeyRingAsync()
    {
        await using var dataSource = PersistenceExtensions.BuildDataSource(_db.Connections.App);
        await using var command = dataSource.CreateCommand("SELECT xml FROM data_protection_keys");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }
}
