using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OmniChat.Core.Tenancy;

namespace OmniChat.Core.Persistence;

/// <summary>Registers OmniChat's PostgreSQL persistence in a service.</summary>
public static class PersistenceExtensions
{
    /// <summary>Tag of the readiness checks (mirrors ServiceDefaults' <c>ready</c> tag).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Adds the tenant-scoped <see cref="OmniChatDbContext"/> on <c>ConnectionStrings:postgres</c> (the application role),
    /// an <see cref="NpgsqlDataSource"/>, the tenant context and store, and readiness checks for PostgreSQL and migrations.
    /// With <paramref name="withSystemScope"/>, also the <see cref="SystemDbContextFactory"/> on <c>ConnectionStrings:postgresSystem</c>.
    /// </summary>
    public static IHostApplicationBuilder AddOmniChatPersistence(this IHostApplicationBuilder builder, bool withSystemScope = false)
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.Services.AddRequiredConnectionString(ResourceNames.Postgres, "DATABASE_URL");
        var connectionString = builder.Configuration.GetConnectionString(ResourceNames.Postgres) ?? "";

        builder.Services.AddSingleton(_ => BuildDataSource(connectionString));
        builder.Services.AddDbContext<OmniChatDbContext>((sp, options) =>
            ConfigureDbContext(options, sp.GetRequiredService<NpgsqlDataSource>()));

        builder.Services.AddScoped<ITenantContext, TenantContext>();
        builder.Services.AddSingleton<ITenantStore, PostgresTenantStore>();
        builder.Services.AddScoped<TenantResolver>();

        if (withSystemScope)
        {
            builder.Services.AddRequiredConnectionString(ResourceNames.PostgresSystem);
            var systemConnectionString = builder.Configuration.GetConnectionString(ResourceNames.PostgresSystem) ?? "";
            builder.Services.AddSingleton(sp =>
            {
                var options = new DbContextOptionsBuilder<SystemDbContext>();
                ConfigureDbContext(options, BuildDataSource(systemConnectionString));
                return options.Options;
            });
            builder.Services.AddSingleton<SystemDbContextFactory>();
            builder.Services.AddSingleton(_ => new SystemDataSource(BuildDataSource(systemConnectionString)));
        }

        builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>(ResourceNames.Postgres, tags: [ReadyTag])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: [ReadyTag]);

        return builder;
    }

    /// <summary>Configures a context the way every OmniChat process does (snake_case names, the tenant session interceptor).</summary>
    public static DbContextOptionsBuilder ConfigureDbContext(DbContextOptionsBuilder options, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options
            .UseNpgsql(dataSource, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(TenantSessionInterceptor.Instance);
    }

    /// <summary>A data source for <paramref name="connectionString"/> with OmniChat's defaults.</summary>
    public static NpgsqlDataSource BuildDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= AppDomain.CurrentDomain.FriendlyName;
        // The write path sends the same few statements all day: let Npgsql prepare them (plans survive pooled reuse).
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        builder.EnableDynamicJson();
        return builder.Build();
    }

    /// <summary>Stops the service at start, with one line naming the setting, when connection string <paramref name="name"/> is missing.</summary>
    public static IServiceCollection AddRequiredConnectionString(this IServiceCollection services, string name, string? alias = null)
    {
        services.AddOptions<RequiredSettings>(name)
            .Configure<IConfiguration>((o, configuration) => o.Value = configuration.GetConnectionString(name))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Value),
                $"missing required setting ConnectionStrings__{name}" + (alias is null ? "" : $" (or {alias})"))
            .ValidateOnStart();
        return services;
    }
}

/// <summary>A required setting, validated at start (one named options instance per setting).</summary>
public sealed class RequiredSettings
{
    /// <summary>The configured value.</summary>
    public string? Value { get; set; }
}
