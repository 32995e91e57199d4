using System.Globalization;
using Npgsql;

namespace OmniChat.AppHost.Hosting;

/// <summary>Our own PostgreSQL cluster: initialised once in its data directory, started on its port, stopped fast.</summary>
internal sealed class PostgresServer(ManagedProcess process, int port, string superuserPassword)
{
    public const string Superuser = "postgres";

    private const string OsUser = "postgres";

    public int Port { get; } = port;

    public ManagedProcess Process { get; } = process;

    public string SuperuserConnectionString { get; } =
        $"Host=127.0.0.1;Port={port};Username={Superuser};Password={superuserPassword};Database=postgres;Pooling=false";

    /// <summary>
    /// Where the data directory goes. PostgreSQL refuses to run as root, so as root it runs as the <c>postgres</c> user,
    /// who must be able to traverse every parent directory; when the checkout sits somewhere it cannot (a 0700 home),
    /// the data goes under <c>/var/lib/omnichat/&lt;hash of the data path&gt;</c> instead.
    /// </summary>
    public static string ChooseDataDirectory(string preferred)
    {
        if (!Posix.IsRoot || IsTraversableByOthers(Path.GetDirectoryName(preferred)!))
        {
            return preferred;
        }
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(preferred)))[..12];
        return Path.Combine("/var/lib/omnichat", hash, "postgres");
    }

    public static async Task<PostgresServer> StartAsync(ServerBinaries binaries, string dataDirectory, string runDirectory, int port,
        string superuserPassword, bool ephemeral, LogSink logs, CancellationToken cancellationToken)
    {
        const string Name = "postgres";
        var runAs = Posix.IsRoot ? OsUser : null;

        await StopOrphanedPostmasterAsync(dataDirectory, logs);
        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            await InitializeAsync(binaries, dataDirectory, runAs, superuserPassword, logs, cancellationToken);
        }

        List<string> args =
        [
            "-D", dataDirectory, "-p", port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300",
        ];
        if (ephemeral)
        {
            args.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }
        var process = await ManagedProcess.StartAsync(
            new ProcessSpec(Name, binaries.Postgres, args, "/", Path.Combine(runDirectory, Name + ".pid"), dataDirectory)
            {
                RunAsUser = runAs,
                Ports = [new PortClaim(port, "PostgreSQL", AppHostOptions.PortSetting(Name))],
            },
            logs, cancellationToken);

        var server = new PostgresServer(process, port, superuserPassword);
        try
        {
            await Readiness.WaitAsync(Name, process, TimeSpan.FromSeconds(60), async ct =>
            {
                await using var connection = new NpgsqlConnection(server.SuperuserConnectionString);
                await connection.OpenAsync(ct);
            }, logs, cancellationToken);
        }
        catch
        {
            // Not ready (or start cancelled): do not leave it running outside anyone's bookkeeping.
            await process.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(30), wholeGroup: false);
            throw;
        }
        return server;
    }

    /// <summary>Fast shutdown: SIGINT to the postmaster, which ends its backends and checkpoints.</summary>
    public Task StopAsync() => Process.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(30), wholeGroup: false);

    private static async Task InitializeAsync(ServerBinaries binaries, string dataDirectory, string? runAs, string password,
        LogSink logs, CancellationToken cancellationToken)
    {
        // A half-initialised directory (initdb interrupted) has no PG_VERSION: start it over.
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        var parent = Path.GetDirectoryName(dataDirectory)!;
        Directory.CreateDirectory(dataDirectory);
        var passwordFile = Path.Combine(parent, ".pgpass-init");
        await PrivateFile.WriteTextAsync(passwordFile, password, cancellationToken);
        try
        {
            if (runAs is not null)
            {
                await ChildCommand.RunAsync("postgres", "chown", ["-R", $"{runAs}:", dataDirectory, passwordFile], logs, cancellationToken);
            }
            List<string> initdb =
            [
                binaries.Initdb, "-D", dataDirectory, "-U", Superuser, $"--pwfile={passwordFile}",
                "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-instructions",
            ];
            if (runAs is not null)
            {
                initdb.InsertRange(0, [$"--reuid={runAs}", $"--regid={runAs}", "--init-groups"]);
            }
            logs.Info($"Initialising PostgreSQL data in {dataDirectory}");
            await ChildCommand.RunAsync("postgres", runAs is null ? binaries.Initdb : "setpriv",
                runAs is null ? initdb[1..] : initdb, logs, cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    /// <summary>A postmaster of this data directory still running from a crashed run holds the port and the lock.</summary>
    private static async Task StopOrphanedPostmasterAsync(string dataDirectory, LogSink logs)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }
        var firstLine = File.ReadLines(pidFile).FirstOrDefault();
        if (int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1
            && ProcessTable.CommandLine(pid).Contains(dataDirectory, StringComparison.Ordinal))
        {
            logs.Info($"Stopping PostgreSQL left running by a previous run (pid {pid}).", ConsoleColor.Yellow);
            Posix.Kill(pid, Posix.SigInt);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Posix.Exists(pid) && ProcessTable.CommandLine(pid).Length > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static bool IsTraversableByOthers(string directory)
    {
        for (var dir = directory; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir) && !File.GetUnixFileMode(dir).HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }
        return true;
    }
}
