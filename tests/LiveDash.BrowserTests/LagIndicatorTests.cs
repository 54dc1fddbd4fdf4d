using LiveDash.Tests;
using LiveDash.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;

namespace LiveDash.BrowserTests;

/// <summary>The dashboard never falls silent without saying so: when frames stop coming, the page says for how long.</summary>
// Alone: "up to date while live" needs a pool that another class's Sync load in this process is not starving.
[Collection(AloneCollection.Name)]
public class LagIndicatorTests(KestrelApp app) : IClassFixture<KestrelApp>
{
    [Fact]
    public async Task WhenTheServerStopsSendingFramesThePageSaysSoAndForHowLong()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
        var page = await browser.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);
        await page.GotoAsync(new Uri(app.BaseAddress, "/dashboard").ToString());
        var wait = new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 };

        // Live: frames come four times a second and the view is measured as (nearly) up to date, so nothing is said.
        await page.WaitForFunctionAsync("() => Number(document.getElementById('dash').dataset.ticks) > 8 && document.getElementById('dash').dataset.behindMs !== undefined", null, wait);
        Assert.InRange(await page.EvaluateAsync<int>("() => Number(document.getElementById('dash').dataset.behindMs)"), 0, 1000);
        Assert.True(await page.Locator("#lag").IsHiddenAsync());

        // The server stops sending (its ticker stops): within a second or so the page says the view is frozen, and since when.
        var ticker = app.Services.GetServices<IHostedService>().Single(s => s.GetType().Name == "TelemetryTicker");
        await ticker.StopAsync(CancellationToken.None);
        await page.WaitForFunctionAsync("() => !document.getElementById('lag').hidden && Number(document.getElementById('dash').dataset.silentMs) >= 600", null, wait);
        var text = await page.Locator("#lag").TextContentAsync();
        Assert.Matches(@"no frame for \d+\.\d s", text);
        Assert.Empty(pageErrors);
    }
}
