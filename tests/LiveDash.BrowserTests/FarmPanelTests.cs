using LiveDash.Tests;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace LiveDash.BrowserTests;

public class FarmPanelTests(KestrelApp app, ITestOutputHelper output) : IClassFixture<KestrelApp>
{
    static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    [Fact]
    public async Task TheFarmPanelDrawsTheFarmBesideThisInstancesOwnCharts()
    {
        var baseAddress = app.BaseAddress;
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1500, Height = 1000 } });
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);
        await page.GotoAsync(new Uri(baseAddress, "/dashboard").ToString());

        using var stop = new CancellationTokenSource();
        var traffic = Traffic(http, stop.Token);
        try
        {
            var wait = new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 };
            // One instance: one line, and the panel on request.
            await page.WaitForFunctionAsync("() => Number(document.getElementById('farm').dataset.frames) > 0", null, wait);
            Assert.True(await page.Locator("#farm").IsHiddenAsync());
            Assert.Contains("one instance", await page.Locator("#farm-single").TextContentAsync());
            await page.Locator("#farm-show").ClickAsync();
            Assert.True(await page.Locator("#farm").IsVisibleAsync());
            Assert.True(await page.Locator("#farm-single").IsHiddenAsync());
            // Both streams live at once: the instance's ticks and the farm's frames.
            await page.WaitForFunctionAsync("() => Number(document.getElementById('dash').dataset.ticks) > 4 && Number(document.getElementById('farm').dataset.frames) > 4", null, wait);
            await page.WaitForFunctionAsync("() => Number(document.getElementById('farm').dataset.rps) > 0 && Chart.getChart('c-farm-rps').data.datasets[0].data.some(p => p.y > 0)", null, wait);
            var instance = await page.Locator("#farm").GetAttributeAsync("data-instance");
            Assert.False(string.IsNullOrEmpty(instance));
            await page.WaitForFunctionAsync($"() => document.querySelector('#farm-instances tr[data-instance=\"{instance}\"]') !== null", null, wait);
            Assert.Contains("(this one)", await page.Locator($"#farm-instances tr[data-instance=\"{instance}\"]").TextContentAsync());
            Assert.StartsWith("1 live", await page.Locator("#farm-live").TextContentAsync());
            Assert.Matches(@"\d", await page.Locator("#farm-p").TextContentAsync() ?? "");
            // The thread pool per instance is always drawn; the per-instance req/s lines on request.
            Assert.True(await page.EvaluateAsync<bool>($"() => Chart.getChart('c-farm-threads').data.datasets.some(d => d.label === '{instance} threads' && d.data.some(p => p.y > 0))"));
            Assert.True(await page.EvaluateAsync<bool>($"() => Chart.getChart('c-farm-rps').data.datasets.find(d => d.label === '{instance} req/s').hidden"));
            await page.Locator("#farm-lines").CheckAsync();
            Assert.False(await page.EvaluateAsync<bool>($"() => Chart.getChart('c-farm-rps').data.datasets.find(d => d.label === '{instance} req/s').hidden"));

            var shot = Path.Combine(AppContext.BaseDirectory, "TestResults", "farm-panel.png");
            Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
            await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
            output.WriteLine($"farm panel screenshot: {shot}");
            Assert.Empty(pageErrors);
        }
        finally
        {
            stop.Cancel();
            await traffic;
        }
    }

    static async Task Traffic(HttpClient http, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested) (await http.GetAsync("/api/ping", ct)).EnsureSuccessStatusCode();
        }
        catch (OperationCanceledException) { }
    }
}
