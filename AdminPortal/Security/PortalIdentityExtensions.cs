using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using OmniChat.Core.Identity;
using OmniChat.Core.Persistence;

namespace OmniChat.AdminPortal.Security;

/// <summary>
/// ASP.NET Core Identity for the portal (ADR 0029): cookie sign-in, lockout, password rules, token providers for
/// password reset, invitations and TOTP; the tenant from the chosen membership; policies per role.
/// </summary>
internal static class PortalIdentityExtensions
{
    public const string CookieName = "omnichat.portal";

    public static IHostApplicationBuilder AddPortalIdentity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        services.AddIdentityCore<User>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 12;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireDigit = false;
                options.Password.RequiredUniqueChars = 4;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.SignIn.RequireConfirmedAccount = false;
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        // Users and roles are platform tables the application role may not touch (password hashes, stamps, tokens):
        // Identity's stores work through the logged system scope, and only on those tables.
        services.AddScoped<IdentityDatabase>();
        services.AddScoped<IUserStore<User>>(sp => new UserStore<User, IdentityRole<Guid>, OmniChatDbContext, Guid>(sp.GetRequiredService<IdentityDatabase>().Context));
        services.AddScoped<IRoleStore<IdentityRole<Guid>>>(sp => new RoleStore<IdentityRole<Guid>, OmniChatDbContext, Guid>(sp.GetRequiredService<IdentityDatabase>().Context));

        services.Configure<DataProtectionTokenProviderOptions>(o => o.TokenLifespan = TimeSpan.FromDays(3));
        services.Configure<SecurityStampValidatorOptions>(o =>
        {
            o.ValidationInterval = TimeSpan.FromMinutes(5);
            // The stamp check rebuilds the principal from the user: keep the tenant the person chose.
            o.OnRefreshingPrincipal = context =>
            {
                if (context.CurrentPrincipal?.FindFirst(PortalClaims.TenantId) is { } tenant && context.NewPrincipal?.Identity is System.Security.Claims.ClaimsIdentity identity)
                {
                    identity.AddClaim(new System.Security.Claims.Claim(PortalClaims.TenantId, tenant.Value));
                }
                return Task.CompletedTask;
            };
        });
        var development = builder.Environment.IsDevelopment();
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            // Always Secure in production (TLS ends at the ingress); plain http on a developer's loopback works too.
            o.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            o.ExpireTimeSpan = TimeSpan.FromHours(10);
            o.SlidingExpiration = true;
            o.LoginPath = "/account/sign-in";
            o.LogoutPath = "/account/sign-out";
            o.AccessDeniedPath = "/account/access-denied";
            o.ReturnUrlParameter = "returnUrl";
            o.Events.OnRedirectToAccessDenied = context =>
            {
                // Signed in but no workspace chosen yet (or no longer a member of it): choose one, then come back.
                var user = context.HttpContext.User;
                if (PortalClaims.TenantIdOf(user) is null && !user.IsInRole(PlatformRoles.Operator))
                {
                    var back = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
                    context.Response.Redirect("/account/tenants?returnUrl=" + Uri.EscapeDataString(back));
                    return Task.CompletedTask;
                }
                context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
        });

        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.Section).ValidateDataAnnotations()
            .Validate(o => development || !string.IsNullOrWhiteSpace(o.Host),
                "missing required setting Smtp__Host (the portal mails invitations and password resets; only Development prints them to the log)")
            .Validate(o => o.FromIsValid, "Smtp__From is not a mailbox (for example: OmniChat <no-reply@example.com>)")
            .ValidateOnStart();
        services.AddSingleton<AccountMail>();
        services.AddSingleton<IEmailSender<User>>(sp => sp.GetRequiredService<AccountMail>());
        services.AddScoped<Invitations>();
        // Password-reset mails are rate limited per address and per network, with the Api's Redis token buckets.
        services.AddSingleton<OmniChat.Core.RateLimiting.RedisRateLimiter>();

        services.AddAuthorizationBuilder().AddPortalPolicies();
        services.AddCascadingAuthenticationState();
        services.AddScoped<MembershipDirectory>();
        services.AddScoped<PortalSession>();
        services.AddScoped<PortalSignIn>();
        services.AddScoped<Microsoft.AspNetCore.Authentication.IClaimsTransformation, MembershipClaimsTransformation>();
        services.AddScoped<AuthenticationStateProvider, PortalAuthenticationStateProvider>();
        services.AddScoped<CircuitHandler, PortalCircuitHandler>();
        return builder;
    }
}

/// <summary>
/// The system-scope context Identity's stores use in this scope. Cookie validation builds the stores on every request,
/// so the opening is a routine one (logged at Debug).
/// </summary>
internal sealed class IdentityDatabase(SystemDbContextFactory factory) : IAsyncDisposable
{
    private SystemDbContext? _context;

    public SystemDbContext Context => _context ??= factory.CreateRoutine("portal identity: users and roles");

    public ValueTask DisposeAsync() => _context?.DisposeAsync() ?? ValueTask.CompletedTask;
}
