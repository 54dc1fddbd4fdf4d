using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LiveDash.Admin;

/// <summary>HTTP Basic for the admin API (user "admin", the admin password).</summary>
sealed class BasicAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, AdminPassword password) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Basic";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !header.Scheme.Equals(SchemeName, StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
            return Task.FromResult(AuthenticateResult.NoResult());
        string decoded;
        try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter)); }
        catch (FormatException) { return Task.FromResult(AuthenticateResult.Fail("malformed Basic credentials")); }
        var colon = decoded.IndexOf(':');
        if (colon < 0 || decoded[..colon] != AdminPassword.UserName || !password.Matches(decoded[(colon + 1)..]))
            return Task.FromResult(AuthenticateResult.Fail("wrong user or password"));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, AdminPassword.UserName), new Claim(ClaimTypes.Role, "admin")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Basic realm=\"LiveDash admin\", charset=\"UTF-8\"";
        return Response.WriteAsJsonAsync(new Store.ApiError("admin credentials required: HTTP Basic, user 'admin'"));
    }
}
