using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OmniChat.Core.Identity;

namespace OmniChat.AdminPortal.Security;

/// <summary>The form posts that change the cookie outside a circuit: sign out, switch workspace (antiforgery-checked).</summary>
internal static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account");
        // Sign-out binds no form field, so the antiforgery check must be asked for (no other site can sign a person out).
        account.MapPost("/sign-out", SignOutAsync).WithMetadata(new RequireAntiforgeryTokenAttribute());
        account.MapPost("/tenant", SelectTenantAsync).RequireAuthorization();
        return app;
    }

    private static async Task<IResult> SignOutAsync(SignInManager<User> signIn)
    {
        await signIn.SignOutAsync();
        return TypedResults.LocalRedirect("/account/sign-in");
    }

    private static async Task<IResult> SelectTenantAsync([FromForm] Guid tenantId, [FromForm] string? returnUrl, HttpContext http, PortalSignIn portal) =>
        await portal.SelectTenantAsync(http, tenantId)
            ? TypedResults.LocalRedirect(PortalSignIn.LocalOr(returnUrl, "/admin/inbox"))
            : TypedResults.LocalRedirect("/account/tenants");
}
