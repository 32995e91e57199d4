using OmniChat.ServiceDefaults;
using OmniChat.Workers.Extensions;
using OmniChat.Workers.Migrations;
using OmniChat.Workers.Operator;

// The deployment's database step (a Kubernetes Job) runs from this same image, then exits.
if (MigrateCommand.IsRequested(args))
{
    Environment.ExitCode = await MigrateCommand.RunAsync();
    return;
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOperatorEndpoints();

await app.RunServiceAsync();
