using LiveDash.Tests.Shared;
using Microsoft.Playwright;

namespace LiveDash.AspNetCore.Tests.Threads;

/// <summary>
/// The sample's /livedash in Debian's Chromium while its five endpoints are under load: the Threads held panel lists
/// /blocking above /async, and the waterfall draws both a blocked thread and an await holding none.
/// </summary>
[Collection(AloneCollection.Name)]
public class SampleThreadsHeldPanelTests
{
    static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    [Fact]
    public async Task ThePanelListsTheBlockingEndpointAboveTheAwaitingOne()
    {
        await using var app = await SampleProcess.StartAsync(SampleProcess.SampleDll());
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 2300 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        await page.GotoAsync(new Uri(app.BaseAddress, "livedash").ToString());

        using var stop = new CancellationTokenSource();
        var load = SampleThreadsHeldTests.Load(app.BaseAddress, stop.Token);
        try
        {
            var wait = new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 200 };
            await page.WaitForFunctionAsync(@"() => ['/blocking', '/async', '/cpu', '/lock', '/sync-over-async']
                .every(r => document.querySelector(`#threads-held tr[data-route='${r}']`))", null, wait);
            await page.WaitForFunctionAsync(@"() => Number(document.getElementById('dash').dataset.waterfallBlockedBars) > 0
                && Number(document.getElementById('dash').dataset.waterfallAwaitingBars) > 0", null, wait);
            await Task.Delay(3000);   // a few more ticks, all under load
            var routes = await page.EvalOnSelectorAllAsync<string[]>("#threads-held tbody tr[data-route]", "rows => rows.map(r => r.dataset.route)");
            var held = await page.EvalOnSelectorAllAsync<double[]>("#threads-held tbody tr[data-route]", "rows => rows.map(r => Number(r.dataset.threadsHeld))");
            var figures = string.Join(", ", routes.Zip(held, (r, h) => $"{r} {h}"));
            Assert.True(Array.IndexOf(routes, "/blocking") < Array.IndexOf(routes, "/async"), figures);
            Assert.True(held[Array.IndexOf(routes, "/blocking")] > held[Array.IndexOf(routes, "/async")], figures);
            Assert.Equal(held.OrderByDescending(h => h), held);
            // For the docs: LIVEDASH_SCREENSHOT_DIR=docs/img writes the panel and the waterfall as they are now.
            if (Environment.GetEnvironmentVariable("LIVEDASH_SCREENSHOT_DIR") is { Length: > 0 } dir)
            {
                await page.Locator("#threads-held").ScreenshotAsync(new() { Path = Path.Combine(dir, "threads-held.png") });
                await page.Locator("article:has(#c-waterfall)").ScreenshotAsync(new() { Path = Path.Combine(dir, "waterfall-threads.png") });
            }
            Assert.Empty(errors);
        }
        finally
        {
            stop.Cancel();
            await load;
        }
    }
}
