using Microsoft.Playwright;

namespace LiveDash.AspNetCore.Tests;

/// <summary>The sample's /livedash in Debian's Chromium: it connects to the hub, draws the sample's own requests live, and 60 blocking clients raise the starvation banner.</summary>
public class SampleDashboardTests
{
    static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    [Fact]
    public async Task TheDashboardDrawsTheSamplesRequestsLiveAndExplainsAStarvedPool()
    {
        await using var app = await SampleProcess.StartAsync(SampleProcess.SampleDll());
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        await page.GotoAsync(new Uri(app.BaseAddress, "livedash").ToString());
        // What a host's own panel would do: listen to the documented tick event on #dash.
        await page.EvaluateAsync(@"() => {
            window.routes = new Set();
            document.getElementById('dash').addEventListener('livedash:tick', e => (e.detail.w ?? []).forEach(w => window.routes.add(w.r)));
        }");

        using var stop = new CancellationTokenSource();
        var traffic = Task.WhenAll(Enumerable.Range(0, 60).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                try { (await app.Client.GetAsync("blocking", stop.Token)).Dispose(); }
                catch (OperationCanceledException) { }
            }
        }));
        try
        {
            var wait = new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 };
            await page.WaitForFunctionAsync("() => document.getElementById('dash').dataset.connected === 'true' && Number(document.getElementById('dash').dataset.ticks) > 4", null, wait);
            await page.WaitForFunctionAsync("() => Number(document.getElementById('dash').dataset.waterfallBars) > 0", null, wait);
            await page.WaitForFunctionAsync(@"() => /\d/.test(document.getElementById('s-p').textContent) && /\d/.test(document.getElementById('s-inapp').textContent)", null, wait);
            Assert.True(await page.Locator("#empty").IsHiddenAsync());
            // The ticks' waterfall samples name the sample's own route.
            await page.WaitForFunctionAsync("() => window.routes.has('/blocking')", null, wait);
            await page.WaitForFunctionAsync("() => document.getElementById('dash').dataset.starving === 'true'", null, wait);
            Assert.Contains("for a thread-pool thread", await page.TextContentAsync("#starvation-title"));
            Assert.Contains("Little's law", await page.TextContentAsync("#starvation-little"));
            Assert.Empty(errors);
        }
        finally
        {
            stop.Cancel();
            await traffic;
        }
    }
}
