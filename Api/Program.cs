using OmniChat.Api.Endpoints;
using OmniChat.Api.Extensions;
using OmniChat.Api.Health;
using OmniChat.Api.OpenApi;
using OmniChat.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseApplicationPipeline();
app.MapApiReference();
app.MapTenantEndpoints();
app.MapV1ConversationEndpoints();
app.MapV1AdminEndpoints();
app.MapV2ConversationEndpoints();
app.MapV2ApiKeyEndpoints();
app.MapV2TemplateEndpoints();
app.MapV2AuditEndpoints();
app.MapV2StatsEndpoints();
app.MapV2EventEndpoints();
app.MapV2RealtimeEndpoints();
app.MapV2WebhookEndpoints();
app.MapV2ChannelEndpoints();
app.MapV2WidgetChannelEndpoints();
app.MapV2WidgetEndpoints();
OmniChat.Api.Widget.WidgetAssets.Map(app);
OmniChat.Api.Widget.DemoPage.Map(app);
app.MapV2AttachmentEndpoints();
app.MapTelegramWebhookEndpoints();
app.MapBillingWebhookEndpoints();
app.MapDeepHealthEndpoints();
app.MapOperatorLimitEndpoints();

await app.RunServiceAsync();
