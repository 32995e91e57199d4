using OmniChat.TestKit;

[assembly: AssemblyFixture(typeof(ServersFixture))]
