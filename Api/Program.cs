using OmniChat.Api.Endpoints;
using OmniChat.Api.Extensions;
using OmniChat.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseApplicationPipeline();
app.MapTenantEndpoints();

await app.RunServiceAsync();
