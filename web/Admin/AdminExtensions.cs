using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using LiveDash.Site;

namespace LiveDash.Admin;

public static class AdminExtensions
{
    public const string PagePolicy = "AdminPage";
    public const string ApiPolicy = "AdminApi";
    const string ApiScheme = "AdminApiScheme";

    public static void AddAdmin(this WebApplicationBuilder builder)
    {
        var options = builder.AddValidatedOptions<StoreOptions>(StoreOptions.Section, StoreOptions.Fallback);
        builder.Services.AddSingleton<AdminPassword>();
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddAntiforgery(options => options.HeaderName = AdminApiProtection.TokenHeader);
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/admin/login";
                options.LogoutPath = "/admin/logout";
                options.Cookie.Name = "LiveDash.Admin";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
            })
            .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, null)
            // The API takes Basic credentials, or the admin cookie when the dashboard calls it; it never redirects.
            .AddPolicyScheme(ApiScheme, "Admin API", options =>
            {
                options.ForwardDefaultSelector = context => context.Request.Headers.Authorization.Count > 0
                    ? BasicAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme;
                options.ForwardChallenge = BasicAuthenticationHandler.SchemeName;
                options.ForwardForbid = BasicAuthenticationHandler.SchemeName;
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PagePolicy, p => p.AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme).RequireRole("admin"))
            .AddPolicy(ApiPolicy, p => p.AddAuthenticationSchemes(ApiScheme).RequireRole("admin"));
        builder.Services.AddDataProtection().PersistKeysToFileSystem(PrivateFiles.KeysDirectory(StateDirectory.Resolve(options.StateDir, builder.Environment)));
    }

    /// <summary>After authentication: cookie-authenticated changes under /admin/api need the antiforgery header.</summary>
    public static void UseAdminApiProtection(this WebApplication app) => app.UseMiddleware<AdminApiProtection>();
}
