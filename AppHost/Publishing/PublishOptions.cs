using System.Text.RegularExpressions;

namespace OmniChat.AppHost.Publishing;

/// <summary>
/// <c>dotnet run --project AppHost -- publish --target kubernetes --out deploy/k8s [--include-sandbox] [--registry r]
/// [--tag t] [--domain d] [--namespace n]</c>.
/// </summary>
public sealed partial record PublishOptions
{
    /// <summary>The only target so far.</summary>
    public const string KubernetesTarget = "kubernetes";

    public string Target { get; init; } = KubernetesTarget;

    /// <summary>Folder the manifests are written to (its generated files are replaced; nothing else is touched).</summary>
    public string OutputDirectory { get; init; } = "deploy/k8s";

    /// <summary>Deploy the Telegram sandbox too (a demo or staging cluster without real Telegram; never production).</summary>
    public bool IncludeSandbox { get; init; }

    /// <summary>Images are <c>{Registry}/omnichat-{service}:{Tag}</c>.</summary>
    public string Registry { get; init; } = "registry.example.com";

    /// <summary>The images' tag (the version being deployed).</summary>
    public string Tag { get; init; } = "1.0.0";

    /// <summary>Public host names are <c>api.{Domain}</c>, <c>realtime.{Domain}</c>, <c>portal.{Domain}</c>.</summary>
    public string Domain { get; init; } = "omnichat.example.com";

    public string Namespace { get; init; } = "omnichat";

    /// <summary>Parses the arguments after <c>publish</c>; throws <see cref="ArgumentException"/> with a sentence for the user.</summary>
    public static PublishOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new PublishOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var (key, inline) = args[i].Split('=', 2) is [var k, var v] ? (k, v) : (args[i], null);
            string Value() => inline ?? (i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{key} needs a value."));
            options = key switch
            {
                "--target" => options with { Target = Value() },
                "--out" or "--output" => options with { OutputDirectory = Value() },
                "--include-sandbox" => options with { IncludeSandbox = true },
                "--registry" => options with { Registry = Value().TrimEnd('/') },
                "--tag" => options with { Tag = Value() },
                "--domain" => options with { Domain = Value() },
                "--namespace" => options with { Namespace = Value() },
                _ => throw new ArgumentException($"Unknown publish option '{args[i]}'."),
            };
        }
        if (options.Target != KubernetesTarget)
        {
            throw new ArgumentException($"Unknown publish target '{options.Target}' (known: {KubernetesTarget}).");
        }
        if (!TagPattern().IsMatch(options.Tag))
        {
            throw new ArgumentException($"'{options.Tag}' is not an image tag (letters, digits, '.', '_', '-'; at most 128).");
        }
        if (!DnsLabelPattern().IsMatch(options.Namespace))
        {
            throw new ArgumentException($"'{options.Namespace}' is not a namespace name.");
        }
        return options;
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabelPattern();
}
