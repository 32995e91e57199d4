using OmniChat.Workers.Extensions;
using OmniChat.ServiceDefaults;
using OmniChat.Workers.Operator;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOperatorEndpoints();

await app.RunServiceAsync();
