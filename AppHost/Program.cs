using OmniChat.AppHost.Hosting;

return await AppHostRunner.RunAsync(args);
