using OmniChat.Realtime.Extensions;
using OmniChat.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseHub();

await app.RunServiceAsync();
