using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveDash.Admin;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.Tests.Admin;

[Collection(StoreCollection.Name)]
public partial class AdminTests(LiveDashApp app)
{
    static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task EveryAdminEndpointRejectsAnonymousCallers()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => ("/" + e.RoutePattern.RawText?.TrimStart('/')).StartsWith("/admin", StringComparison.OrdinalIgnoreCase))
            .Where(e => !e.RoutePattern.RawText!.Contains("login", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.True(endpoints.Count >= 5, $"found only {endpoints.Count} admin endpoints");
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        foreach (var endpoint in endpoints)
        {
            var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"];
            foreach (var method in methods)
            {
                var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method is "GET" ? null : JsonBody("{}") });
                var refused = response.StatusCode == HttpStatusCode.Unauthorized
                    || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.ToString().Contains("/admin/login"))
                    || (method != "GET" && response.StatusCode == HttpStatusCode.BadRequest && path == "/admin/logout"); // antiforgery first
                Assert.True(refused, $"{method} {path} answered {(int)response.StatusCode} to an anonymous caller");
            }
        }
    }

    [Fact]
    public async Task WrongPasswordIsRefused()
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:nope")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/admin/api/settings")).StatusCode);
    }

    [Fact]
    public async Task AdminApiReadsAndChangesSettingsAndLogsTheChange()
    {
        var client = app.AdminClient();
        var before = app.Settings.Current;
        try
        {
            var response = await client.PutAsync("/admin/api/settings", JsonBody("""{"mode":"SyncOverAsync","dbLatencyMs":40}"""));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<SettingsBody>(new JsonSerializerOptions(JsonSerializerDefaults.Web));
            Assert.Equal(new SettingsBody("SyncOverAsync", 40, before.MinThreads), body);
            Assert.Equal(StoreMode.SyncOverAsync, app.Settings.Current.Mode);
            var changes = await client.GetFromJsonAsync<JsonElement>("/admin/api/changes");
            var latest = changes.EnumerateArray().Take(2).Select(c => c.GetProperty("field").GetString()).ToList();
            Assert.Contains("mode", latest);
            Assert.Contains("dbLatencyMs", latest);
            Assert.Equal("api", changes[0].GetProperty("channel").GetString());
        }
        finally
        {
            app.Settings.Apply(new SettingsUpdate(before.Mode, before.DbLatencyMs), "test");
        }
    }

    [Fact]
    public async Task MinThreadsChangesTheThreadPoolAndZeroRestoresTheDefault()
    {
        ThreadPool.GetMinThreads(out var defaultWorkers, out _);
        var client = app.AdminClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("/admin/api/settings", JsonBody("""{"minThreads":64}"""))).StatusCode);
        ThreadPool.GetMinThreads(out var workers, out _);
        Assert.Equal(64, workers);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("/admin/api/settings", JsonBody("""{"minThreads":0}"""))).StatusCode);
        ThreadPool.GetMinThreads(out workers, out _);
        Assert.Equal(defaultWorkers, workers);
    }

    [Theory]
    [InlineData("""{"mode":"Fast"}""", "mode")]
    [InlineData("""{"mode":3}""", "mode")]
    [InlineData("""{"mode":"1"}""", "mode")]
    [InlineData("""{"dbLatencyMs":5001}""", "dbLatencyMs")]
    [InlineData("""{"dbLatencyMs":-1}""", "dbLatencyMs")]
    [InlineData("""{"dbLatencyMs":"25"}""", "dbLatencyMs")]
    [InlineData("""{"dbLatencyMs":2.5}""", "dbLatencyMs")]
    [InlineData("""{"minThreads":1001}""", "minThreads")]
    [InlineData("""{"minThreads":-3}""", "minThreads")]
    [InlineData("""{"colour":"blue"}""", "colour")]
    [InlineData("""{"mode":""", "body")]
    [InlineData("""[1,2]""", "body")]
    [InlineData("""{"mode":"Sync,Async"}""", "mode")]
    [InlineData("""{"mode":" Sync"}""", "mode")]
    [InlineData("""{"mode":"Sync "}""", "mode")]
    [InlineData("""{"mode":"Sync","mode":"Async"}""", "mode")]
    [InlineData("""{"dbLatencyMs":5,"DBLATENCYMS":6}""", "DBLATENCYMS")]
    public async Task BadSettingsGet400NamingTheFieldAndChangeNothing(string json, string field)
    {
        var before = app.Settings.Current;
        var response = await app.AdminClient().PutAsync("/admin/api/settings", JsonBody(json));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(field, error.GetProperty("error").GetString());
        Assert.Equal(before, app.Settings.Current);
    }

    [Fact]
    public async Task FormsRejectMissingAntiforgeryTokens()
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var login = await client.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["password"] = LiveDashApp.AdminPassword }));
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        Assert.False(login.Headers.Contains("Set-Cookie") && login.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("LiveDash.Admin")));

        await SignIn(client);
        var change = await client.PostAsync("/admin?handler=Settings", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Mode"] = "Sync", ["DbLatencyMs"] = "10", ["MinThreads"] = "0",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, change.StatusCode);
        Assert.NotEqual(10, app.Settings.Current.DbLatencyMs);
    }

    [Fact]
    public async Task AdminPageChangesSettingsShowsTheChangeLogAndValidates()
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var before = app.Settings.Current;
        try
        {
            await SignIn(client);
            var page = await client.GetStringAsync("/admin");
            var response = await client.PostAsync("/admin?handler=Settings", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Mode"] = "Sync", ["DbLatencyMs"] = "33", ["MinThreads"] = "0", ["__RequestVerificationToken"] = Token(page),
            }));
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal(new SettingsSnapshot(StoreMode.Sync, 33, 0), app.Settings.Current);
            page = await client.GetStringAsync("/admin");
            Assert.Matches("<td>admin page</td><td>dbLatencyMs</td><td>\\d+</td><td>33</td>", page);

            response = await client.PostAsync("/admin?handler=Settings", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Mode"] = "Async", ["DbLatencyMs"] = "9000", ["MinThreads"] = "0", ["__RequestVerificationToken"] = Token(page),
            }));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("dbLatencyMs must be between 0 and 5000", await response.Content.ReadAsStringAsync());
            Assert.Equal(33, app.Settings.Current.DbLatencyMs);
        }
        finally
        {
            app.Settings.Apply(new SettingsUpdate(before.Mode, before.DbLatencyMs), "test");
        }
    }

    [Fact]
    public async Task WrongPasswordOnTheLoginFormShowsAMessage()
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var form = await client.GetStringAsync("/admin/login");
        var response = await client.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["password"] = "guess", ["__RequestVerificationToken"] = Token(form),
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("That password is not right", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ModeNamesMatchInAnyCaseAndErrorsQuoteOnlyAnExcerpt()
    {
        var before = app.Settings.Current;
        try
        {
            var client = app.AdminClient();
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("/admin/api/settings", JsonBody("""{"mode":"syncoverasync"}"""))).StatusCode);
            Assert.Equal(StoreMode.SyncOverAsync, app.Settings.Current.Mode);
            var huge = await client.PutAsync("/admin/api/settings", JsonBody($$"""{"mode":"{{new string('x', 1_000_000)}}"}"""));
            Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
            Assert.True((await huge.Content.ReadAsByteArrayAsync()).Length < 500, "the error echoes the whole value");
        }
        finally
        {
            app.Settings.Apply(new SettingsUpdate(before.Mode, before.DbLatencyMs), "test");
        }
    }

    [Fact]
    public async Task CookieDrivenChangesNeedTheAntiforgeryHeaderAndAJsonBody()
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await SignIn(client);
        var before = app.Settings.Current;
        try
        {
            // What a page on another site (or another port of 127.0.0.1) can send with the victim's cookie.
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/admin/api/reset", new StringContent("{}", Encoding.UTF8, "text/plain"))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/admin/api/reset", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsync("/admin/api/settings", JsonBody("""{"dbLatencyMs":77}"""))).StatusCode);
            var tick = $$"""{"run":"t","t":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"rps":1,"p50":1,"p99":1,"errors":0}""";
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/admin/api/client-ticks", JsonBody(tick))).StatusCode);
            Assert.Equal(before, app.Settings.Current);

            var token = CsrfMeta().Match(await client.GetStringAsync("/dashboard")).Groups[1].Value;
            Assert.NotEmpty(token);
            Assert.DoesNotMatch(CsrfMeta(), await app.CreateClient().GetStringAsync("/dashboard"));
            Task<HttpResponseMessage> Send(HttpMethod method, string path, HttpContent? body)
            {
                var request = new HttpRequestMessage(method, path) { Content = body };
                request.Headers.Add("X-CSRF-TOKEN", WebUtility.HtmlDecode(token));
                return client.SendAsync(request);
            }
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Send(HttpMethod.Put, "/admin/api/settings", new StringContent("""{"dbLatencyMs":77}""", Encoding.UTF8, "text/plain"))).StatusCode);
            Assert.Equal(before, app.Settings.Current);
            Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Put, "/admin/api/settings", JsonBody("""{"dbLatencyMs":77}"""))).StatusCode);
            Assert.Equal(77, app.Settings.Current.DbLatencyMs);
            Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "/admin/api/reset", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await Send(HttpMethod.Post, "/admin/api/client-ticks", JsonBody(tick))).StatusCode);
        }
        finally
        {
            app.Settings.Apply(new SettingsUpdate(before.Mode, before.DbLatencyMs), "test");
        }
    }

    [Fact]
    public async Task DatabaseDetailsAreForAdminsOnly()
    {
        var anonymous = await app.CreateClient().GetStringAsync("/api/health");
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(TestHost.PostgresConnection);
        Assert.DoesNotContain("details", anonymous);
        Assert.DoesNotContain(connection.Port.ToString(), anonymous);
        Assert.DoesNotContain(connection.Host!, anonymous);
        var admin = await app.AdminClient().GetFromJsonAsync<JsonElement>("/admin/api/health");
        Assert.Equal("ok", admin.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal(connection.Port, admin.GetProperty("database").GetProperty("details").GetProperty("port").GetInt32());
    }

    [Fact]
    public async Task TheDashboardIsTheLibrarysWithTheStoresPartsAndItsAdminPartsForAdminsOnly()
    {
        var anonymous = await app.CreateClient().GetStringAsync("/dashboard");
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await SignIn(client);
        var admin = await client.GetStringAsync("/dashboard");
        foreach (var page in new[] { anonymous, admin })
        {
            // The library's body (one #dash, its charts and strip) with the store's slots filled in, in the library's order.
            Assert.Single(Regex.Matches(page, "id=\"dash\""));
            Assert.DoesNotContain("livedash-slot", page);
            Assert.DoesNotContain("livedash-dashboard", page);
            var order = new[] { "id=\"conn-dot\"", "id=\"s-mode\"", "id=\"s-rps\"", "id=\"s-queue\"", "id=\"s-wq\"", "id=\"s-errors\"", "id=\"s-shed\"", "id=\"s-cpu\"",
                "id=\"pause\"", "id=\"lag\"", "id=\"starvation\"", "id=\"mongo-note\"", "id=\"empty\"", "id=\"c-latency\"", "id=\"threads-held\"",
                "id=\"lecture-panel\"", "id=\"waterfall-all\"", "id=\"c-waterfall\"", "id=\"c-histogram\"", "id=\"modes\"", "id=\"client-panel\"" }
                .Select(id => page.IndexOf(id, StringComparison.Ordinal)).ToList();
            Assert.DoesNotContain(-1, order);
            Assert.Equal(order.Order(), order);
            Assert.Contains("data-hub=\"/hubs/telemetry\"", page);
            Assert.Contains("data-modes=\"Sync,Async,SyncOverAsync\"", page);
        }
        Assert.Contains("data-admin=\"false\"", anonymous);
        Assert.DoesNotContain("id=\"blocking-panel\"", anonymous);
        Assert.DoesNotContain("id=\"load-panel\"", anonymous);
        Assert.Contains("data-admin=\"true\"", admin);
        Assert.Contains("id=\"blocking-panel\" data-url=\"/livedash/api/blocking/capture\"", admin);
        Assert.Contains("id=\"load-panel\"", admin);
    }

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfMeta();

    static async Task SignIn(HttpClient client)
    {
        var form = await client.GetStringAsync("/admin/login");
        var response = await client.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["password"] = LiveDashApp.AdminPassword, ["__RequestVerificationToken"] = Token(form), ["returnUrl"] = "/admin",
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    static string Token(string html) => WebUtility.HtmlDecode(TokenPattern().Match(html).Groups[1].Value) is { Length: > 0 } t
        ? t : throw new Xunit.Sdk.XunitException("no antiforgery token in the form");

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
