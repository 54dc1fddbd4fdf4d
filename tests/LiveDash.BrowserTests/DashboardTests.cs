using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using LiveDash.Tests;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace LiveDash.BrowserTests;

public class DashboardTests(KestrelApp app, ITestOutputHelper output) : IClassFixture<KestrelApp>
{
    static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    [Fact]
    public async Task TheDashboardDrawsLiveTicksTheWaterfallAndAMarkerForAModeChange()
    {
        var chartJs = Path.Combine(app.ContentRoot, "..", "LiveDash.AspNetCore", "wwwroot", "lib", "chart.js", "dist", "chart.umd.min.js");
        Assert.True(File.Exists(chartJs), $"{chartJs} is missing: run ./livedash test (its set-up restores the libraries libman.json lists)");
        var baseAddress = app.BaseAddress;
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var admin = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + KestrelApp.AdminPassword)));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1500, Height = 1000 } });
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);

        // What the dashboard has drawn, as its root element reports it (the page keeps no globals).
        await page.AddInitScriptAsync("window.dash = () => document.getElementById('dash').dataset;");
        await page.GotoAsync(new Uri(baseAddress, "/dashboard").ToString());
        using var stopTraffic = new CancellationTokenSource();
        var traffic = Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Traffic(http, worker, stopTraffic.Token)));
        try
        {
            var wait = new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 };
            await page.WaitForFunctionAsync("() => dash().connected === 'true' && Number(dash().ticks) > 4", null, wait);
            await page.WaitForFunctionAsync("() => Number(document.getElementById('dash').dataset.waterfallBars) > 0", null, wait);
            Assert.True(await page.Locator("#empty").IsHiddenAsync());
            // End to end is the headline; in app is drawn beside it.
            await page.WaitForFunctionAsync(@"() => {
                const chart = Chart.getChart('c-latency');
                const points = label => chart.data.datasets.find(d => d.label === label).data.filter(p => p.y != null).length;
                return points('p50') > 0 && points('in-app p50') > 0 && points('waiting for a thread (mean)') > 0;
            }", null, wait);
            // The strip shows the latest tick, which has figures whenever requests completed in it.
            await page.WaitForFunctionAsync(@"() => /\d/.test(document.getElementById('s-p').textContent)
                && /\d/.test(document.getElementById('s-inapp').textContent)", null, wait);
            var markersBefore = await page.EvaluateAsync<int>("() => Number(dash().markers)");

            (await admin.PutAsJsonAsync("/admin/api/settings", new { mode = "Sync" })).EnsureSuccessStatusCode();

            await page.WaitForFunctionAsync($"() => Number(dash().markers) > {markersBefore} && dash().markerLabels.split('|').includes('→ Sync')", null, wait);
            await page.WaitForFunctionAsync("() => document.getElementById('s-mode').textContent === 'Sync'", null, wait);
            var ticksNow = await page.EvaluateAsync<int>("() => Number(dash().ticks)");
            await page.WaitForFunctionAsync($"() => Number(dash().ticks) > {ticksNow + 8}", null, wait);

            var shot = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard.png");
            Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
            await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
            output.WriteLine($"dashboard screenshot: {shot}");
            Console.WriteLine($"dashboard screenshot: {shot}");
            Assert.True(new FileInfo(shot).Length > 20_000, "the screenshot is suspiciously small");
            Assert.Empty(pageErrors);
        }
        finally
        {
            stopTraffic.Cancel();
            await traffic;
            await admin.PutAsJsonAsync("/admin/api/settings", new { mode = "Async" });
        }
    }

    [Fact]
    public async Task ASignedInAdminChangesTheModeFromTheDashboardUnderTheContentSecurityPolicy()
    {
        var baseAddress = app.BaseAddress;
        using var admin = app.Http(admin: true);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync();
        // CSP violations, a missing favicon and failed fetches all show up as console errors.
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") consoleErrors.Add(message.Text); };
        page.PageError += (_, error) => consoleErrors.Add(error);
        try
        {
            await page.GotoAsync(new Uri(baseAddress, "/admin/login").ToString());
            await page.FillAsync("input[name=password]", KestrelApp.AdminPassword);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForURLAsync(new Uri(baseAddress, "/admin").ToString());
            await page.GotoAsync(new Uri(baseAddress, "/dashboard").ToString());
            Assert.Equal("true", await page.GetAttributeAsync("#dash", "data-admin"));

            await page.ClickAsync(".set-mode[data-mode=Sync]");
            await page.WaitForFunctionAsync("() => document.getElementById('admin-msg').textContent !== '…' && document.getElementById('admin-msg').textContent !== ''",
                null, new() { Timeout = 15_000 });
            Assert.Equal("applied", await page.TextContentAsync("#admin-msg"));
            var settings = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/admin/api/settings");
            Assert.Equal("Sync", settings.GetProperty("mode").GetString());
            Assert.Empty(consoleErrors);
        }
        finally
        {
            await admin.PutAsJsonAsync("/admin/api/settings", new { mode = "Async" });
        }
    }

    [Fact]
    public async Task TheLecturePanelDrawsTheLastLectureRunsRequestsInTheirCompletionOrder()
    {
        using var admin = app.Http(admin: true);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1500, Height = 1000 } });
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);
        await page.GotoAsync(new Uri(app.BaseAddress, "/dashboard").ToString());
        var wait = new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 };
        await page.WaitForFunctionAsync("() => document.getElementById('dash').dataset.connected === 'true'", null, wait);

        // What `./livedash load lecture` posts: two long requests and a short one on one async worker.
        var lecture = new
        {
            mode = "Async", workers = 1, dbLatencyMs = 300,
            requests = new object[]
            {
                new { n = 1, path = "/api/orders?user=1", sentMs = 0, doneMs = 620, aloneMs = 610, queuedMs = 0.2, appMs = 4, dbMs = 605, status = 200 },
                new { n = 2, path = "/api/orders?user=2", sentMs = 300, doneMs = 925, aloneMs = 612, queuedMs = 0.3, appMs = 5, dbMs = 606, status = 200 },
                new { n = 3, path = "/api/products/1", sentMs = 600, doneMs = 910, aloneMs = 305, queuedMs = 0.1, appMs = 3, dbMs = 302, status = 200 },
            },
        };
        (await admin.PostAsJsonAsync("/admin/api/lecture", lecture)).EnsureSuccessStatusCode();

        await page.WaitForFunctionAsync("() => document.getElementById('lecture-rows').dataset.rows === '3'", null, wait);
        Assert.Equal("1,3,2", await page.GetAttributeAsync("#lecture-rows", "data-order"));
        Assert.Equal(3, await page.Locator("#lecture-rows .lecture-row[data-n]").CountAsync());
        Assert.Contains("completion order 1, 3, 2", await page.TextContentAsync("#lecture-summary"));
        Assert.Equal(3, await page.Locator("#lecture-rows .lecture-row[data-n] .seg-db").CountAsync());
        var shot = Path.Combine(AppContext.BaseDirectory, "TestResults", "lecture-panel.png");
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        await page.Locator("#lecture-panel").ScreenshotAsync(new() { Path = shot });
        Assert.Empty(pageErrors);
    }

    static async Task Traffic(HttpClient http, int worker, CancellationToken ct)
    {
        for (var i = 0; !ct.IsCancellationRequested; i++)
        {
            try
            {
                using var response = await http.GetAsync($"/orders?user={1 + (worker * 97 + i) % 500}", ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
        }
    }
}
