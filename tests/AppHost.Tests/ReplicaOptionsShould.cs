using OmniChat.AppHost.Hosting;
using OmniChat.Core;

namespace OmniChat.AppHost.Tests;

public sealed class ReplicaOptionsShould
{
    [Fact]
    public void ReadServiceCountPairs()
    {
        var options = new AppHostOptions { DataDirectory = "/tmp/x", Replicas = AppHostOptions.ParseReplicas(" api=2, Realtime=3 ,workers=1") };

        options.ValidateReplicas();

        Assert.Equal(2, options.InstancesOf(ResourceNames.Api));
        Assert.Equal(3, options.InstancesOf(ResourceNames.Realtime));
        Assert.Equal(1, options.InstancesOf(ResourceNames.Workers));
        Assert.Equal(1, options.InstancesOf(ResourceNames.AdminPortal));
    }

    [Fact]
    public void RunEveryServiceOnceWithoutTheOption() =>
        Assert.All(AppHostOptions.AllServices, s => Assert.Equal(1, AppHostOptions.FromCommandLine([]).InstancesOf(s)));

    [Fact]
    public void TakeTheCommandLineFlag() =>
        Assert.Equal(2, AppHostOptions.FromCommandLine(["--replicas=api=2,workers=2"]).InstancesOf(ResourceNames.Workers));

    [Theory]
    [InlineData("adminportal=2")]
    [InlineData("api=0")]
    [InlineData("api=9")]
    [InlineData("api=two")]
    [InlineData("api")]
    public void RefuseWhatCannotRun(string text)
    {
        var options = new AppHostOptions { DataDirectory = "/tmp/x", Replicas = AppHostOptions.ParseReplicas(text) };

        var error = Assert.Throws<InvalidOperationException>(options.ValidateReplicas);

        Assert.Contains("--replicas", error.Message, StringComparison.Ordinal);
    }
}
