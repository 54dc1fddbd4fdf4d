using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using LiveDash.Admin;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LiveDash.Tests.Admin;

/// <summary>Each test has its own app, so its failures do not lock out the shared one's callers.</summary>
public partial class SignInThrottleTests
{
    static HttpClient Basic(LiveDashApp app, string password)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + password)));
        return client;
    }

    [Fact]
    public async Task TheEleventhFailureInAMinuteGets429WithRetryAfterEvenWithTheRightPassword()
    {
        await using var app = new LiveDashApp();
        var wrong = Basic(app, "guess");
        var form = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = WebUtility.HtmlDecode(FormToken().Match(await form.GetStringAsync("/admin/login")).Groups[1].Value);
        // Basic and the login form count together.
        for (var i = 0; i < SignInThrottle.FailuresAllowed / 2; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/admin/api/settings")).StatusCode);
        for (var i = SignInThrottle.FailuresAllowed / 2; i < SignInThrottle.FailuresAllowed; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await form.PostAsync("/admin/login", Login("guess", token))).StatusCode);

        var basic = await wrong.GetAsync("/admin/api/settings");
        Assert.Equal(HttpStatusCode.TooManyRequests, basic.StatusCode);
        Assert.InRange(basic.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0, 1, 60);
        Assert.Equal("application/problem+json", basic.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Basic(app, LiveDashApp.AdminPassword).GetAsync("/admin/api/settings")).StatusCode);
        var page = await form.PostAsync("/admin/login", Login(LiveDashApp.AdminPassword, token));
        Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
        Assert.NotNull(page.Headers.RetryAfter);
        Assert.Contains("Too many wrong passwords", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SuccessesAreNotCounted()
    {
        await using var app = new LiveDashApp();
        var right = Basic(app, LiveDashApp.AdminPassword);
        for (var i = 0; i < SignInThrottle.FailuresAllowed * 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await right.GetAsync("/admin/api/settings")).StatusCode);
        var wrong = Basic(app, "guess");
        for (var i = 0; i < SignInThrottle.FailuresAllowed - 1; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/admin/api/settings")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await right.GetAsync("/admin/api/settings")).StatusCode);
    }

    static FormUrlEncodedContent Login(string password, string token) =>
        new(new Dictionary<string, string> { ["password"] = password, ["__RequestVerificationToken"] = token });

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
