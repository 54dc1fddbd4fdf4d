using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.AspNetCore.Tests;

/// <summary>
/// Without a policy of the host's, the dashboard, its assets, the summary and the hub answer loopback clients only.
/// The test server stands in for Kestrel; a header of the test's sets the client address the endpoints see.
/// </summary>
public class LoopbackOnlyTests
{
    const string RemoteHeader = "X-Test-Remote-Address";
    // The sample's static web assets manifest is in this test's output; it places the package's assets in the web root.
    static readonly WebApplicationOptions Options = new() { ApplicationName = "MinimalApi" };
    static readonly string[] Gets = ["/livedash", "/livedash/assets/js/dashboard.js", "/livedash/api/summary?seconds=5"];

    static async Task<WebApplication> StartAsync(Action<LiveDashEndpoints> open)
    {
        var builder = WebApplication.CreateBuilder(Options);
        builder.WebHost.UseTestServer();
        builder.Services.AddLiveDash();
        builder.WebHost.UseLiveDash();
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<IStartupFilter, RemoteAddressFromHeader>();
        var app = builder.Build();
        app.UseAuthorization();
        open(app.MapLiveDash("/livedash"));
        await app.StartAsync();
        return app;
    }

    static async Task<HttpStatusCode> Send(WebApplication app, HttpMethod method, string path, string address)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(RemoteHeader, address);
        using var response = await app.GetTestClient().SendAsync(request);
        return response.StatusCode;
    }

    [Theory]
    [InlineData("203.0.113.9")]
    [InlineData("192.168.1.20")]
    [InlineData("2001:db8::7")]
    public async Task ARemoteClientIsRefusedUntilTheHostOpensIt(string remote)
    {
        await using var app = await StartAsync(_ => { });
        foreach (var path in Gets)
            Assert.Equal(HttpStatusCode.Forbidden, await Send(app, HttpMethod.Get, path, remote));
        Assert.Equal(HttpStatusCode.Forbidden, await Send(app, HttpMethod.Post, "/livedash/hub/negotiate?negotiateVersion=1", remote));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task ALoopbackClientIsServed(string local)
    {
        await using var app = await StartAsync(_ => { });
        foreach (var path in Gets)
            Assert.Equal(HttpStatusCode.OK, await Send(app, HttpMethod.Get, path, local));
        Assert.Equal(HttpStatusCode.OK, await Send(app, HttpMethod.Post, "/livedash/hub/negotiate?negotiateVersion=1", local));
    }

    [Fact]
    public async Task AllowAnonymousOpensEverythingToRemoteClients()
    {
        await using var app = await StartAsync(endpoints => endpoints.AllowAnonymous());
        foreach (var path in Gets)
            Assert.Equal(HttpStatusCode.OK, await Send(app, HttpMethod.Get, path, "203.0.113.9"));
        Assert.Equal(HttpStatusCode.OK, await Send(app, HttpMethod.Post, "/livedash/hub/negotiate?negotiateVersion=1", "203.0.113.9"));
    }

    [Fact]
    public async Task OpeningOnePartLeavesTheOthersLoopbackOnly()
    {
        await using var app = await StartAsync(endpoints => endpoints.Api.AllowAnonymous());
        Assert.Equal(HttpStatusCode.OK, await Send(app, HttpMethod.Get, "/livedash/api/summary?seconds=5", "203.0.113.9"));
        Assert.Equal(HttpStatusCode.Forbidden, await Send(app, HttpMethod.Get, "/livedash", "203.0.113.9"));
        Assert.Equal(HttpStatusCode.Forbidden, await Send(app, HttpMethod.Post, "/livedash/hub/negotiate?negotiateVersion=1", "203.0.113.9"));
    }

    [Fact]
    public async Task RequireAuthorizationHandsTheDecisionToTheHostsPolicy()
    {
        var builder = WebApplication.CreateBuilder(Options);
        builder.WebHost.UseTestServer();
        builder.Services.AddLiveDash();
        builder.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireAssertion(c => c.Resource is HttpContext h && h.Request.Headers.ContainsKey("X-Ops"))));
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        builder.Services.AddSingleton<IStartupFilter, RemoteAddressFromHeader>();
        await using var app = builder.Build();
        app.UseAuthorization();
        app.MapLiveDash("/livedash").RequireAuthorization("ops");
        await app.StartAsync();

        var allowed = new HttpRequestMessage(HttpMethod.Get, "/livedash/api/summary");
        allowed.Headers.Add(RemoteHeader, "203.0.113.9");
        allowed.Headers.Add("X-Ops", "yes");
        using var ok = await app.GetTestClient().SendAsync(allowed);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        // Without the policy's header the host's policy refuses, loopback or not: the library no longer decides.
        Assert.NotEqual(HttpStatusCode.OK, await Send(app, HttpMethod.Get, "/livedash/api/summary", "127.0.0.1"));
    }

    [Theory]
    [InlineData("GET", "/livedash/api/summary?seconds=0")]
    [InlineData("GET", "/livedash/api/summary?seconds=61")]
    [InlineData("GET", "/livedash/api/summary?seconds=abc")]
    [InlineData("POST", "/livedash/api/blocking/capture?seconds=0")]
    [InlineData("POST", "/livedash/api/blocking/capture?seconds=31")]
    [InlineData("POST", "/livedash/api/blocking/capture?seconds=abc")]
    public async Task BadSecondsAreAProblemNamingTheField(string method, string path)
    {
        await using var app = await StartAsync(_ => { });
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add(RemoteHeader, "127.0.0.1");
        using var response = await app.GetTestClient().SendAsync(request);
        var problem = await Problem(response, HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("seconds", detail);
        Assert.Equal(detail, problem.GetProperty("errors").GetProperty("seconds")[0].GetString());
        Assert.Equal(detail, problem.GetProperty("error").GetString());
        Assert.Equal("seconds", problem.GetProperty("field").GetString());
        Assert.Equal("Bad Request", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task TheRefusalIsAProblemWithTheSameMembers()
    {
        await using var app = await StartAsync(_ => { });
        var request = new HttpRequestMessage(HttpMethod.Get, "/livedash/api/summary");
        request.Headers.Add(RemoteHeader, "203.0.113.9");
        using var response = await app.GetTestClient().SendAsync(request);
        var problem = await Problem(response, HttpStatusCode.Forbidden);
        Assert.Contains("203.0.113.9", problem.GetProperty("detail").GetString());
        Assert.Equal(problem.GetProperty("detail").GetString(), problem.GetProperty("error").GetString());
    }

    static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    sealed class RemoteAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(RemoteHeader, out var value)) context.Connection.RemoteIpAddress = IPAddress.Parse(value.ToString());
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
