using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OmniChat.AppHost.Hosting;

/// <summary>
/// Everything the AppHost generates once and must reuse on every later run: server passwords, the service token, the operator
/// token, the conversation JWT secret, seeded logins and API keys. Kept in <c>.omnichat/secrets</c> (mode 0600).
/// </summary>
internal sealed class Secrets
{
    public string PostgresSuperuserPassword { get; set; } = Generate();
    public string PostgresOwnerPassword { get; set; } = Generate();
    public string PostgresAppPassword { get; set; } = Generate();
    public string PostgresSystemPassword { get; set; } = Generate();
    public string RedisPassword { get; set; } = Generate();
    public string RabbitMqPassword { get; set; } = Generate();
    public string ServiceToken { get; set; } = Generate(48);
    public string ConversationJwtSecret { get; set; } = Generate(64);
    public string WebhookSigningKey { get; set; } = Generate(64);
    public string OperatorPassword { get; set; } = Generate(20);
    public string OperatorToken { get; set; } = Generate(48);

    /// <summary>What the billing provider signs its webhooks with (<c>Billing__WebhookSecret</c>); in <c>credentials.json</c>.</summary>
    public string BillingWebhookSecret { get; set; } = "bwhsec_" + Generate(40);

    /// <summary>Wraps the Data Protection key ring in PostgreSQL (<c>DataProtection__KeyEncryptionKey</c>, ADR 0023).</summary>
    public string KeyEncryptionKey { get; set; } = Core.Security.KeyRing.KeyRingOptions.GenerateKey();

    /// <summary>Per seeded tenant identifier: its admin password and all-scopes API key.</summary>
    public Dictionary<string, TenantSecrets> Tenants { get; set; } = [];

    public TenantSecrets For(string identifier)
    {
        if (!Tenants.TryGetValue(identifier, out var secrets))
        {
            secrets = new TenantSecrets();
            Tenants[identifier] = secrets;
        }
        return secrets;
    }

    public static string Generate(int length = 32) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", length);

    /// <summary>Loads the secrets at <paramref name="path"/>, creating (and saving) any that are missing.</summary>
    public static async Task<Secrets> LoadOrCreateAsync(string path, CancellationToken cancellationToken)
    {
        Secrets secrets;
        if (File.Exists(path))
        {
            await using var stream = File.OpenRead(path);
            secrets = await JsonSerializer.DeserializeAsync(stream, SecretsJson.Default.Secrets, cancellationToken) ?? new Secrets();
        }
        else
        {
            secrets = new Secrets();
        }
        await secrets.SaveAsync(path, cancellationToken);
        return secrets;
    }

    public Task SaveAsync(string path, CancellationToken cancellationToken) =>
        PrivateFile.WriteJsonAsync(path, this, SecretsJson.Default.Secrets, cancellationToken);
}

internal sealed class TenantSecrets
{
    public string AdminPassword { get; set; } = Secrets.Generate(20);
    public string ApiKey { get; set; } = Core.Identity.ApiKeySecret.Generate("dev");

    /// <summary>The tenant's sandbox bot token (any token of Telegram's shape is a bot there), kept across runs.</summary>
    public string? TelegramBotToken { get; set; }

    /// <summary>The tenant's widget identity secret (the Api shows it once), kept across runs.</summary>
    public string? WidgetIdentitySecret { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Secrets))]
internal sealed partial class SecretsJson : JsonSerializerContext;

/// <summary>
/// Writes files only their owner can read, atomically: the content goes into a new file created with mode 0600 (never a
/// wider mode first and a chmod after), which then replaces the target, so even a target left with a wider mode by an
/// older run is never rewritten in place.
/// </summary>
internal static class PrivateFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static Task WriteJsonAsync<T>(string path, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type,
        CancellationToken cancellationToken) =>
        WriteAsync(path, stream => JsonSerializer.SerializeAsync(stream, value, type, cancellationToken), cancellationToken);

    public static Task WriteTextAsync(string path, string contents, CancellationToken cancellationToken) =>
        WriteAsync(path, async stream =>
        {
            await using var writer = new StreamWriter(stream, leaveOpen: true);
            await writer.WriteAsync(contents.AsMemory(), cancellationToken);
        }, cancellationToken);

    private static async Task WriteAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp"; // unique: several fixtures may save at once
        try
        {
            await using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = OwnerOnly,
            }))
            {
                await write(stream);
                await stream.FlushAsync(cancellationToken);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
