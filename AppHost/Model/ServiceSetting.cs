namespace OmniChat.AppHost.Model;

/// <summary>Where a setting is given: by the local runner, in a cluster, or both.</summary>
[Flags]
public enum Targets
{
    Local = 1,
    Cluster = 2,
    Everywhere = Local | Cluster,
}

/// <summary>One environment variable a service is started with, described by what its value is rather than by the value.</summary>
/// <param name="Name">The variable, Aspire-style (<c>ConnectionStrings__postgres</c>, <c>Security__ServiceToken</c>, …).</param>
/// <param name="Value">What the value is; each target turns it into text (local) or a reference (cluster).</param>
/// <param name="Targets">Where it is given.</param>
public sealed record ServiceSetting(string Name, SettingValue Value, Targets Targets = Targets.Everywhere);

/// <summary>What a setting's value is. The local runner and the publishers resolve each kind their own way.</summary>
public abstract record SettingValue;

/// <summary>The same text wherever the service runs.</summary>
public sealed record FixedValue(string Text) : SettingValue;

/// <summary>The environment name: the AppHost's <c>--environment</c> locally, <c>Production</c> in a cluster.</summary>
public sealed record RunEnvironment : SettingValue;

/// <summary>Where the service itself listens.</summary>
public sealed record ListenUrl : SettingValue;

/// <summary>Another service's address inside the system (service discovery, <c>http://api</c> style).</summary>
public sealed record ServiceUrl(string Service) : SettingValue;

/// <summary>
/// A service's address as browsers and Telegram reach it: locally its loopback URL, in a cluster its Ingress host
/// (a ConfigMap setting); <paramref name="WebSocket"/> turns http(s) into ws(s).
/// </summary>
public sealed record PublicUrl(string Service, bool WebSocket = false) : SettingValue;

/// <summary>
/// A secret, named by the setting itself: locally generated once in <c>.omnichat/secrets</c> (or a connection string of the
/// servers the AppHost runs), in a cluster a key of the <c>omnichat-secrets</c> Secret, never a value in a manifest.
/// </summary>
public sealed record SecretValue : SettingValue;

/// <summary>A choice a deployment makes that is not secret (a cluster's ConfigMap, with <paramref name="Example"/> as its value).</summary>
public sealed record DeploymentSetting(string Example) : SettingValue;

/// <summary>The OpenTelemetry resource attributes: the instance (a fresh id locally, the pod's name in a cluster) and the environment.</summary>
public sealed record TelemetryAttributes : SettingValue;

/// <summary>The OTLP endpoint: the AppHost passes on its own, a cluster sets it in the ConfigMap (empty: no export).</summary>
public sealed record TelemetryEndpoint : SettingValue;

/// <summary>A folder under the AppHost's data directory.</summary>
public sealed record DataFolder(string Folder) : SettingValue;

/// <summary>Removed from what the child inherits (the AppHost's own launch settings must not leak into children).</summary>
public sealed record Unset : SettingValue;
