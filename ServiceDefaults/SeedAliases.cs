using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace OmniChat.ServiceDefaults;

/// <summary>
/// Accepts the configuration names of the original deployments (<c>DATABASE_URL</c>, <c>REDIS_URL</c>, <c>PORT</c>,
/// <c>BIND_HOST</c>, <c>CONVERSATION_JWT_SECRET</c>, <c>SERVICE_TOKEN</c>, <c>LOG_LEVEL</c>) as aliases of the Aspire-style
/// keys. An Aspire-style key that is already set always wins.
/// </summary>
public static class SeedAliases
{
    /// <summary>The interface every service binds to when only <c>PORT</c> is given.</summary>
    public const string DefaultBindHost = "127.0.0.1";

    /// <summary>Maps the alias settings present in <paramref name="configuration"/> onto their canonical keys.</summary>
    public static void Apply(IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var mapped = Map(configuration);
        if (mapped.Count > 0)
        {
            configuration.AddInMemoryCollection(mapped);
        }
    }

    /// <summary>Computes the canonical keys the aliases in <paramref name="configuration"/> stand for.</summary>
    public static Dictionary<string, string?> Map(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

        void Alias(string alias, string key, Func<string, string> convert)
        {
            var value = configuration[alias];
            if (!string.IsNullOrWhiteSpace(value) && string.IsNullOrWhiteSpace(configuration[key]))
            {
                result[key] = convert(value);
            }
        }

        Alias("DATABASE_URL", "ConnectionStrings:postgres", PostgresUrlToConnectionString);
        Alias("REDIS_URL", "ConnectionStrings:redis", RedisUrlToConfiguration);
        Alias("RABBITMQ_URL", "ConnectionStrings:rabbitmq", v => v);
        Alias("CONVERSATION_JWT_SECRET", "Security:ConversationJwtSecret", v => v);
        Alias("SERVICE_TOKEN", "Security:ServiceToken", v => v);
        Alias("WEBHOOK_SIGNING_KEY", "Security:WebhookSigningKey", v => v);
        Alias("PUBLIC_BASE_URL", "Telegram:PublicBaseUrl", v => v);
        Alias("LOG_LEVEL", "Logging:LogLevel:Default", v => v);

        var port = configuration["PORT"];
        if (!string.IsNullOrWhiteSpace(port) && string.IsNullOrWhiteSpace(configuration["urls"]))
        {
            var host = configuration["BIND_HOST"];
            host = string.IsNullOrWhiteSpace(host) ? DefaultBindHost : host;
            if (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
            {
                host = $"[{host}]";
            }
            result["urls"] = $"http://{host}:{port.Trim()}";
        }

        return result;
    }

    /// <summary>Turns <c>postgres://user:pass@host:port/db?sslmode=require</c> into an Npgsql connection string.</summary>
    public static string PostgresUrlToConnectionString(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "postgres" && uri.Scheme != "postgresql"))
        {
            return url; // already a keyword connection string
        }

        // DbConnectionStringBuilder quotes values, so a password with ';' or '=' cannot inject other keywords.
        var builder = new System.Data.Common.DbConnectionStringBuilder { ["Host"] = uri.Host };
        if (!uri.IsDefaultPort && uri.Port > 0)
        {
            builder["Port"] = uri.Port.ToString(CultureInfo.InvariantCulture);
        }
        var (user, password) = SplitUserInfo(uri);
        if (user is not null) builder["Username"] = user;
        if (password is not null) builder["Password"] = password;
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder["Database"] = database;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (kv.Length == 2 && kv[0].Equals("sslmode", StringComparison.OrdinalIgnoreCase))
            {
                builder["SSL Mode"] = Uri.UnescapeDataString(kv[1]);
            }
        }
        return builder.ConnectionString;
    }

    /// <summary>Turns <c>redis://:pass@host:port/db</c> (or <c>rediss://</c>) into a StackExchange.Redis configuration string.</summary>
    public static string RedisUrlToConfiguration(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss"))
        {
            return url;
        }

        var port = uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port;
        var parts = new List<string> { $"{uri.Host}:{port.ToString(CultureInfo.InvariantCulture)}" };
        var (user, password) = SplitUserInfo(uri);
        if (!string.IsNullOrEmpty(user)) parts.Add($"user={user}");
        if (password is not null) parts.Add($"password={password}");
        var db = uri.AbsolutePath.Trim('/');
        if (db.Length > 0) parts.Add($"defaultDatabase={db}");
        if (uri.Scheme == "rediss") parts.Add("ssl=true");
        return string.Join(',', parts);
    }

    private static (string? User, string? Password) SplitUserInfo(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo))
        {
            return (null, null);
        }
        var pieces = uri.UserInfo.Split(':', 2);
        var user = Uri.UnescapeDataString(pieces[0]);
        var password = pieces.Length == 2 ? Uri.UnescapeDataString(pieces[1]) : null;
        return (user.Length == 0 ? null : user, password);
    }
}
