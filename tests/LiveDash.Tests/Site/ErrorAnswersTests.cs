using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveDash.Site;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.Tests.Site;

/// <summary>Errors keep their status and method; under /api and /admin/api every error is problem details.</summary>
[Collection(StoreCollection.Name)]
public partial class ErrorAnswersTests(LiveDashApp app)
{
    [Theory]
    [InlineData("DELETE", "/api/products/1", 405)]
    [InlineData("POST", "/api/orders?user=1", 405)]
    [InlineData("GET", "/api/xyz", 404)]
    [InlineData("POST", "/api/xyz", 404)]
    [InlineData("OPTIONS", "/admin/api/settings", 405)]
    [InlineData("PATCH", "/admin/api/settings", 405)]
    [InlineData("GET", "/admin/api/nothing-here", 404)]
    [InlineData("GET", "/admin/api/settings", 401)]
    [InlineData("GET", "/admin/api/health", 401)]
    public async Task ApiErrorsAreProblemDetailsWithTheirOwnStatus(string method, string path, int status)
    {
        var response = await app.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(ApiProblem.ContentType, response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.Equal(problem.GetProperty("detail").GetString(), problem.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("POST", "/nope", 404)]
    [InlineData("DELETE", "/nope", 404)]
    [InlineData("PUT", "/products/nothing/here", 404)]
    public async Task PageErrorsForOtherMethodsKeepTheirStatus(string method, string path, int status)
    {
        var response = await app.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(status, (int)response.StatusCode);
    }

    [Fact]
    public async Task AMissingPageStillGetsTheStatusPageForGet()
    {
        var response = await app.CreateClient().GetAsync("/nope");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("nothing at this address", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/products?search=lamp")]
    [InlineData("/orders?user=1")]
    [InlineData("/admin/login")]
    [InlineData("/dashboard")]
    [InlineData("/nope")]
    [InlineData("/api/products/1")]
    public async Task EveryAnswerCarriesTheSecurityHeaders(string path)
    {
        var response = await app.CreateClient().GetAsync(path);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/products?search=lamp")]
    [InlineData("/products/3")]
    [InlineData("/orders?user=1")]
    [InlineData("/admin/login")]
    [InlineData("/dashboard")]
    [InlineData("/nope")]
    public async Task PagesHaveNoInlineScriptStyleOrHandlers(string path)
    {
        var response = await app.CreateClient().GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html", html);
        Assert.DoesNotMatch(InlineScript(), html);
        Assert.DoesNotMatch(InlineStyle(), html);
        Assert.DoesNotMatch(InlineHandler(), html);
    }

    [Fact]
    public async Task TheFaviconIsServed()
    {
        var client = app.CreateClient();
        var ico = await client.GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.OK, ico.StatusCode);
        Assert.True((await ico.Content.ReadAsByteArrayAsync()).Length > 100);
        var svg = await client.GetAsync("/favicon.svg");
        Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<style\b|\sstyle\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineStyle();

    [GeneratedRegex(@"<[^>]+\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandler();
}

/// <summary>The limits only a real Kestrel enforces, and an unhandled exception.</summary>
public class ErrorBodiesTests
{
    sealed class ThrowingApp : LiveDashApp
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // Runs after the app's own pipeline, where no endpoint matched: a stand-in for a bug in a handler.
            builder.ConfigureServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(new Throwing()));
        }

        sealed class Throwing : Microsoft.AspNetCore.Hosting.IStartupFilter
        {
            public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
            {
                next(app);
                app.Run(context => context.Request.Path.Value!.EndsWith("/boom") ? throw new InvalidOperationException("boom") : Task.CompletedTask);
            };
        }
    }

    [Fact]
    public async Task TooLargeTooLongAndFailedAnswersHaveProblemBodiesUnderApi()
    {
        await using var app = new KestrelApp();
        using var admin = app.Http(admin: true);
        var big = await admin.PutAsync("/admin/api/settings", new StringContent($$"""{"mode":"{{new string('x', 2 * SiteExtensions.MaxRequestBodyBytes)}}"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Equal(ApiProblem.ContentType, big.Content.Headers.ContentType?.MediaType);

        using var http = app.Http();
        var longUrl = await http.GetAsync("/api/products?search=" + new string('a', SiteExtensions.MaxRequestTargetLength));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, longUrl.StatusCode);
        Assert.Equal(414, (await longUrl.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
        var longPage = await http.GetAsync("/products?search=" + new string('a', SiteExtensions.MaxRequestTargetLength));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, longPage.StatusCode);
        Assert.Contains("too long", await longPage.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EveryRefusalIsProblemDetailsNamingItsField()
    {
        await using var app = new KestrelApp();
        using var admin = app.Http(admin: true);
        async Task Refused(HttpResponseMessage response, int status, string? field)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status == (int)response.StatusCode, $"{(int)response.StatusCode}: {body}");
            Assert.Equal(ApiProblem.ContentType, response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal(status, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()), body);
            if (field is null) return;
            Assert.Equal(field, problem.GetProperty("field").GetString());
            Assert.Equal(problem.GetProperty("detail").GetString(), problem.GetProperty("errors").GetProperty(field)[0].GetString());
        }

        await Refused(await admin.PutAsJsonAsync("/admin/api/settings", new { mode = "Fast" }), 400, "mode");
        await Refused(await admin.GetAsync("/admin/api/telemetry/summary?seconds=0"), 400, "seconds");
        await Refused(await admin.GetAsync("/admin/api/load/runs/nope"), 404, "id");
        await Refused(await admin.PostAsJsonAsync("/admin/api/load/runs", new { scenario = "url", path = "/api/ping", rate = -5, durationSeconds = 5 }), 400, "rate");
        await Refused(await admin.GetAsync("/api/products/999999"), 404, "id");

        // 40 KB of headers: past Kestrel's usual 32 KB, so the app answers 431 itself, with a body.
        using var big = new HttpRequestMessage(HttpMethod.Get, "/api/products/1");
        big.Headers.Add("X-Big", new string('a', 40 * 1024));
        await Refused(await admin.SendAsync(big), 431, null);
        using var bigPage = new HttpRequestMessage(HttpMethod.Get, "/products/1");
        bigPage.Headers.Add("X-Big", new string('a', 40 * 1024));
        var page = await admin.SendAsync(bigPage);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, page.StatusCode);
        Assert.Contains("headers are too large", await page.Content.ReadAsStringAsync());
        // And the app still answers.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/products/1")).StatusCode);
    }

    [Fact]
    public async Task AnUnhandledExceptionIsA500ProblemUnderApiAndTheStatusPageElsewhere()
    {
        await using var app = new ThrowingApp();
        var client = app.CreateClient();
        var api = await client.GetAsync("/api/boom");
        Assert.Equal(HttpStatusCode.InternalServerError, api.StatusCode);
        Assert.Equal(ApiProblem.ContentType, api.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("boom", (await api.Content.ReadAsStringAsync()).Replace("/api/boom", ""));
        var page = await client.GetAsync("/boom");
        Assert.Equal(HttpStatusCode.InternalServerError, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync());
        Assert.Contains(app.Logs.Since(DateTimeOffset.MinValue), l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Message.Contains("unhandled", StringComparison.OrdinalIgnoreCase));
    }
}
