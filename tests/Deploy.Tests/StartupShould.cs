using System.Diagnostics;
using System.Globalization;
using System.Net;
using k8s.Models;
using OmniChat.AppHost.Hosting;
using OmniChat.Core;

namespace OmniChat.Deploy.Tests;

/// <summary>
/// Each service, given exactly the environment its Deployment gives it (values, the ConfigMap's settings and a filled
/// Secret) in Production, passes its start-time validation and serves <c>/health</c> on the management port the probes
/// use. Nothing listens at the servers' addresses: the point is the configuration, not the dependencies.
/// </summary>
public sealed class StartupShould
{
    private const string Unreachable = "Host=127.0.0.1;Port=1;Database=omnichat;Timeout=2;Password=secret0secret0secret0;Username=";

    private static readonly Dictionary<string, string> FilledSecret = new(StringComparer.Ordinal)
    {
        [$"ConnectionStrings__{ResourceNames.Postgres}"] = Unreachable + "omnichat_app",
        [$"ConnectionStrings__{ResourceNames.PostgresSystem}"] = Unreachable + "omnichat_system",
        [$"ConnectionStrings__{ResourceNames.PostgresOwner}"] = Unreachable + "omnichat_owner",
        ["ConnectionStrings__postgresAdmin"] = "",
        [$"ConnectionStrings__{ResourceNames.Redis}"] = "127.0.0.1:1,abortConnect=false,password=secret",
        [$"ConnectionStrings__{ResourceNames.RabbitMq}"] = "amqp://omnichat:secret@127.0.0.1:1/",
        ["Security__ServiceToken"] = new('s', 48),
        ["Security__OperatorToken"] = new('o', 48),
        ["Security__ConversationJwtSecret"] = new('j', 64),
        ["Security__WebhookSigningKey"] = new('w', 64),
        ["DataProtection__KeyEncryptionKey"] = Convert.ToBase64String(new byte[32]),
        ["Billing__WebhookSecret"] = new('b', 40),
        ["Attachments__S3__AccessKey"] = "access",
        ["Attachments__S3__SecretKey"] = "secret",
        ["Smtp__UserName"] = "omnichat",
        ["Smtp__Password"] = "secret",
    };

    /// <summary>Our services as a production deployment has them; the sandbox as a demo deployment (--include-sandbox) does.</summary>
    public static TheoryData<string, bool> Services => new()
    {
        { ResourceNames.Api, false },
        { ResourceNames.Realtime, false },
        { ResourceNames.Workers, false },
        { ResourceNames.AdminPortal, false },
        { ResourceNames.TelegramSandbox, true },
    };

    [Fact]
    public void HaveAValueForEveryKeyOfTheSecretTemplate() =>
        Assert.Equal(GeneratedDeployment.Render(includeSandbox: false).SecretKeys.Order(), FilledSecret.Keys.Order());

    [Theory]
    [MemberData(nameof(Services))]
    public async Task StartWithTheEnvironmentOfItsDeployment(string service, bool includeSandbox)
    {
        var ct = TestContext.Current.CancellationToken;
        var deployment = GeneratedDeployment.Render(includeSandbox);
        var environment = Resolve(deployment.Deployment(service).Spec.Template.Spec.Containers.Single().Env, deployment.Settings);
        // Free ports instead of 8080/8081 (the machine is shared); the same shape of address.
        var port = PortSet.FreePort();
        var management = PortSet.FreePort();
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        environment["Management__Port"] = management.ToString(CultureInfo.InvariantCulture);
        Assert.Equal("Production", environment["ASPNETCORE_ENVIRONMENT"]);

        var dll = DistributedApplication.ServiceAssemblyPath(service);
        var info = new ProcessStartInfo(DistributedApplication.DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(dll);
        info.Environment.Clear();
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        info.Environment["HOME"] = Environment.GetEnvironmentVariable("HOME");
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        HttpStatusCode? health = null;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90); // a guard against a hang, not a measurement
            while (!process.HasExited && DateTime.UtcNow < deadline)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{management}/health"), ct);
                    health = response.StatusCode;
                    break;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(250, ct);
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                    await Task.Delay(250, ct);
                }
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync(CancellationToken.None);
        }

        Assert.True(health == HttpStatusCode.OK,
            $"{service} did not serve /health on its management port (exit code {(process.HasExited ? process.ExitCode : -1)}):\n{await stderr}\n{Tail(await stdout)}");
    }

    /// <summary>The variables a container gets: literal values (with <c>$(VAR)</c> expanded), ConfigMap keys, the Secret's keys.</summary>
    private static Dictionary<string, string> Resolve(IList<V1EnvVar> variables, V1ConfigMap settings)
    {
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in variables)
        {
            resolved[variable.Name] = variable switch
            {
                { ValueFrom.FieldRef.FieldPath: "metadata.name" } => "omnichat-test-pod",
                { ValueFrom.ConfigMapKeyRef: { } key } => settings.Data[key.Key],
                { ValueFrom.SecretKeyRef: { } key } => FilledSecret[key.Key],
                _ => resolved.Aggregate(variable.Value ?? "", (value, known) => value.Replace($"$({known.Key})", known.Value, StringComparison.Ordinal)),
            };
        }
        return resolved;
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(20));
}
