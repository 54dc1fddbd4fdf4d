using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LiveDash.Admin;

/// <summary>HTTP Basic for the admin API (user "admin", the admin password).</summary>
sealed class BasicAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, AdminPassword password, SignInThrottle throttle) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Basic";
    TimeSpan? _lockedOutFor;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !header.Scheme.Equals(SchemeName, StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
            return Task.FromResult(AuthenticateResult.NoResult());
        var address = SignInThrottle.Address(Context);
        if (throttle.IsLockedOut(address, out var retryAfter))
        {
            _lockedOutFor = retryAfter;
            return Task.FromResult(AuthenticateResult.Fail("too many failed sign-ins from this address"));
        }
        string decoded;
        try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter)); }
        catch (FormatException) { return Task.FromResult(Failed(address, "malformed Basic credentials")); }
        var colon = decoded.IndexOf(':');
        if (colon < 0 || decoded[..colon] != AdminPassword.UserName || !password.Matches(decoded[(colon + 1)..]))
            return Task.FromResult(Failed(address, "wrong user or password"));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, AdminPassword.UserName), new Claim(ClaimTypes.Role, "admin")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    AuthenticateResult Failed(string address, string why)
    {
        throttle.RecordFailure(address, "HTTP Basic");
        return AuthenticateResult.Fail(why);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_lockedOutFor is { } wait)
        {
            Response.Headers.RetryAfter = SignInThrottle.RetryAfterHeader(wait);
            return Site.ApiProblem.WriteAsync(Context, StatusCodes.Status429TooManyRequests,
                $"too many failed admin sign-ins from your address; try again in {SignInThrottle.RetryAfterHeader(wait)} s");
        }
        Response.Headers.WWWAuthenticate = "Basic realm=\"LiveDash admin\", charset=\"UTF-8\"";
        return Site.ApiProblem.WriteAsync(Context, StatusCodes.Status401Unauthorized, "admin credentials required: HTTP Basic, user 'admin'");
    }
}
