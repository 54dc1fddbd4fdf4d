using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveDash.Site;

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
