using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using LiveDash.Admin;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LiveDash.Tests.Admin;

/// <summary>The store's JSON twins skip sign-in; nothing that asks for authorization may.</summary>
[Collection(StoreCollection.Name)]
public class AnonymousFastPathTests(LiveDashApp app)
{
    [Fact]
    public void OnlyTheAnonymousJsonEndpointsSkipSignIn()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var skipping = endpoints.Where(e => e.Metadata.GetMetadata<AnonymousFastPath>() is not null).ToList();
        var patterns = skipping.Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).ToHashSet();

        Assert.Superset(new HashSet<string> { "/api/orders", "/api/products", "/api/products/{id}", "/api/health", "/api/ping" }, patterns);
        Assert.All(skipping, e => Assert.Null(e.Metadata.GetMetadata<IAuthorizeData>()));
        Assert.DoesNotContain(patterns, p => p.StartsWith("/admin", StringComparison.Ordinal) || p.StartsWith("/hubs", StringComparison.Ordinal));
        // The admin API still goes through authorization.
        Assert.Contains(endpoints, e => e.RoutePattern.RawText!.Contains("admin/api/settings") && e.Metadata.GetMetadata<IAuthorizeData>() is not null);
    }

    [Fact]
    public async Task TheStoreApiAnswersWithoutLookingAtTheAdminCookie()
    {
        using var http = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders?user=1");
        request.Headers.Add("Cookie", "LiveDash.Admin=not-a-ticket");
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"orders\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AMarkedEndpointSkipsAuthenticationAndOneThatAsksForAuthorizationStillGetsIt()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(EveryoneHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, EveryoneHandler>(EveryoneHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy("admin", p => p.RequireRole("admin"));
        await using var web = builder.Build();
        web.UseRouting();
        web.UseAnonymousFastPath();
        web.UseAuthentication();
        web.UseAuthorization();
        web.MapGet("/marked", (HttpContext c) => c.User.Identity?.IsAuthenticated == true ? "signed in" : "anonymous").SkipsSignIn();
        web.MapGet("/unmarked", (HttpContext c) => c.User.Identity?.IsAuthenticated == true ? "signed in" : "anonymous");
        web.MapGet("/guarded", () => "guarded").SkipsSignIn().RequireAuthorization("admin");
        await web.StartAsync();
        using var http = web.GetTestClient();

        Assert.Equal("anonymous", await http.GetStringAsync("/marked"));
        Assert.Equal("signed in", await http.GetStringAsync("/unmarked"));
        var guarded = await http.GetAsync("/guarded");
        Assert.Equal(HttpStatusCode.Forbidden, guarded.StatusCode);
        Assert.DoesNotContain("guarded", await guarded.Content.ReadAsStringAsync());
    }

    /// <summary>Signs every request in, with no roles.</summary>
    sealed class EveryoneHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "everyone";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(
                new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "someone")], SchemeName)), SchemeName)));
    }
}
