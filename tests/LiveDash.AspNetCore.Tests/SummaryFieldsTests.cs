using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.AspNetCore.Tests;

/// <summary>A host's fields join the summary, which it may also map at a pattern of its own (loopback-only until it opens it).</summary>
public class SummaryFieldsTests
{
    static readonly WebApplicationOptions Options = new() { ApplicationName = "MinimalApi" };

    sealed class ShopFields : ILiveDashSummaryFields
    {
        public void Write(LatencySummary summary, IDictionary<string, object> fields)
        {
            fields["shop"] = "open";
            fields["window"] = summary.Seconds * 2;
        }
    }

    sealed class Clashing : ILiveDashSummaryFields
    {
        public void Write(LatencySummary summary, IDictionary<string, object> fields) => fields["requests"] = 1;
    }

    static async Task<WebApplication> StartAsync(Action<LiveDashBuilder> add, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(Options);
        builder.WebHost.UseTestServer();
        add(builder.Services.AddLiveDash());
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.Use((context, next) =>
        {
            // The test server's requests have no address; these come from loopback unless they say otherwise.
            context.Connection.RemoteIpAddress = context.Request.Headers.ContainsKey("X-Remote") ? IPAddress.Parse("203.0.113.9") : IPAddress.Loopback;
            return next(context);
        });
        app.UseAuthorization();
        app.MapLiveDash("/livedash");
        map(app);
        await app.StartAsync();
        return app;
    }

    static async Task<(HttpStatusCode Status, JsonElement Body)> Get(WebApplication app, string path, bool remote = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (remote) request.Headers.Add("X-Remote", "yes");
        using var response = await app.GetTestClient().SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task TheHostsFieldsJoinTheSummaryAtBothPatterns()
    {
        await using var app = await StartAsync(l => l.AddSummaryFields<ShopFields>(), a => a.MapLiveDashSummary("/ops/summary"));
        foreach (var path in new[] { "/livedash/api/summary?seconds=7", "/ops/summary?seconds=7" })
        {
            var (status, body) = await Get(app, path);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(7, body.GetProperty("seconds").GetInt32());
            Assert.True(body.TryGetProperty("endToEnd", out _), body.ToString());
            Assert.True(body.TryGetProperty("peakThreads", out _), body.ToString());
            Assert.Equal("open", body.GetProperty("shop").GetString());
            Assert.Equal(14, body.GetProperty("window").GetInt32());
            Assert.False(body.TryGetProperty("extra", out _), body.ToString());
        }
    }

    [Fact]
    public async Task WithoutFieldsTheSummaryHasOnlyItsOwn()
    {
        await using var app = await StartAsync(_ => { }, a => a.MapLiveDashSummary("/ops/summary"));
        var (status, body) = await Get(app, "/ops/summary");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(10, body.GetProperty("seconds").GetInt32());
        Assert.False(body.TryGetProperty("shop", out _), body.ToString());
    }

    [Fact]
    public async Task TheHostsPatternIsLoopbackOnlyUntilOpenedAndChecksSeconds()
    {
        await using var closed = await StartAsync(_ => { }, a => a.MapLiveDashSummary("/ops/summary"));
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(closed, "/ops/summary", remote: true)).Status);
        var (bad, problem) = await Get(closed, "/ops/summary?seconds=61");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("seconds", problem.GetProperty("field").GetString());

        await using var open = await StartAsync(_ => { }, a => a.MapLiveDashSummary("/ops/summary").AllowAnonymous());
        Assert.Equal(HttpStatusCode.OK, (await Get(open, "/ops/summary", remote: true)).Status);
        // Opening the host's pattern leaves the library's own summary loopback-only.
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(open, "/livedash/api/summary", remote: true)).Status);
    }

    [Fact]
    public async Task AFieldNamedAsOneOfTheSummarysOwnIsRefused()
    {
        await using var app = await StartAsync(l => l.AddSummaryFields<Clashing>(), _ => { });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.GetTestClient().GetAsync("/livedash/api/summary"));
        Assert.Contains("'requests'", error.Message);
    }
}
