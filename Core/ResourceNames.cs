namespace OmniChat.Core;

/// <summary>
/// Names shared by the AppHost and the services: connection-string names (<c>ConnectionStrings__{name}</c>) and
/// service-discovery names (<c>services__{name}__http__0</c>), exactly as .NET Aspire would use them.
/// </summary>
public static class ResourceNames
{
    /// <summary>PostgreSQL as the application role (row-level security applies).</summary>
    public const string Postgres = "postgres";

    /// <summary>PostgreSQL as the owner role (migrations only).</summary>
    public const string PostgresOwner = "postgresOwner";

    /// <summary>PostgreSQL as the system role: explicit, logged cross-tenant work (seeding, outbox dispatch, operator console).</summary>
    public const string PostgresSystem = "postgresSystem";

    /// <summary>Redis.</summary>
    public const string Redis = "redis";

    /// <summary>RabbitMQ, as an <c>amqp://user:pass@host:port/vhost</c> URI.</summary>
    public const string RabbitMq = "rabbitmq";

    /// <summary>The HTTP API service.</summary>
    public const string Api = "api";

    /// <summary>The WebSocket hub.</summary>
    public const string Realtime = "realtime";

    /// <summary>The Blazor admin portal and operator console.</summary>
    public const string AdminPortal = "adminportal";

    /// <summary>Background workers (outbox dispatch, consumers, scheduled jobs).</summary>
    public const string Workers = "workers";

    /// <summary>The Telegram Bot API emulator (local runs, tests and benchmarks only).</summary>
    public const string TelegramSandbox = "telegramsandbox";
}
