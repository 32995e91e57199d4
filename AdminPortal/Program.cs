using OmniChat.AdminPortal.Components;
using OmniChat.AdminPortal.Components.Pages.Audit;
using OmniChat.AdminPortal.Extensions;
using OmniChat.AdminPortal.Security;
using OmniChat.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapAccountEndpoints();
app.MapAuditExport();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

await app.RunServiceAsync();
