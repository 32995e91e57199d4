using OmniChat.AdminPortal.Components;
using OmniChat.AdminPortal.Components.Pages.Audit;
using OmniChat.AdminPortal.Extensions;
using OmniChat.AdminPortal.Security;
using OmniChat.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
// Serve the framework's and MudBlazor's static files from a build output in any environment (a published app carries
// them itself; without this, only Development finds them).
builder.WebHost.UseStaticWebAssets();

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
// A failure in a server-rendered page (sign-in, an account form) shows a page in words, never a bare 500.
app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapAccountEndpoints();
app.MapAuditExport();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

await app.RunServiceAsync();
