using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OmniChat.Core.Identity;

namespace OmniChat.AdminPortal.Security;

/// <summary>Puts the tenant a user chose into their cookie, after checking they are an active member of it.</summary>
public sealed class PortalSignIn(SignInManager<User> signIn, UserManager<User> users, MembershipDirectory directory)
{
    /// <summary>Re-issues <paramref name="http"/>'s cookie for <paramref name="tenantId"/>; false when the user is not a member.</summary>
    public async Task<bool> SelectTenantAsync(HttpContext http, Guid tenantId)
    {
        var user = await users.GetUserAsync(http.User);
        if (user is null || await directory.FindAsync(user.Id, tenantId, http.RequestAborted) is null)
        {
            return false;
        }
        var current = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var persistent = current.Properties?.IsPersistent ?? false;
        await signIn.SignInWithClaimsAsync(user, new AuthenticationProperties { IsPersistent = persistent },
            [new Claim(PortalClaims.TenantId, tenantId.ToString())]);
        return true;
    }

    /// <summary>Re-issues the cookie after a change to the user (password, two-factor), keeping the chosen tenant.</summary>
    public async Task RefreshAsync(HttpContext http, User user)
    {
        ArgumentNullException.ThrowIfNull(http);
        var current = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        Claim[] tenant = current.Principal?.FindFirst(PortalClaims.TenantId) is { } claim ? [new Claim(PortalClaims.TenantId, claim.Value)] : [];
        await signIn.SignInWithClaimsAsync(user, new AuthenticationProperties { IsPersistent = current.Properties?.IsPersistent ?? false }, tenant);
    }

    /// <summary><paramref name="returnUrl"/> when it is a path of this portal, else <paramref name="fallback"/> (no open redirect).</summary>
    public static string LocalOr(string? returnUrl, string fallback) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.Any(char.IsControl) ? returnUrl : fallback;
}
