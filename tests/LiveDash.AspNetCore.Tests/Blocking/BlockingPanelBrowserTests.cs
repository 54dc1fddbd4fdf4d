using LiveDash.Tests.Shared;
using Microsoft.Playwright;

namespace LiveDash.AspNetCore.Tests.Blocking;

/// <summary>The sample's /livedash in Debian's Chromium: "Find the blocking code" runs a capture and names /blocking's site.</summary>
[Collection(AloneCollection.Name)]
public class BlockingPanelBrowserTests
{
    static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    [Fact]
    public async Task TheButtonShowsProgressThenBlockingsSite()
    {
        await using var app = await SampleProcess.StartAsync(SampleProcess.SampleDll());
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1200 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        await page.GotoAsync(new Uri(app.BaseAddress, "livedash").ToString());
        Assert.Matches(@"costs about \d+% of throughput while it runs", await page.TextContentAsync("#blocking-cost"));

        using var stop = new CancellationTokenSource();
        var traffic = Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                try { (await app.Client.GetAsync("blocking", stop.Token)).Dispose(); }
                catch (OperationCanceledException) { }
            }
        }));
        try
        {
            await page.FillAsync("#blocking-seconds", "3");
            await page.ClickAsync("#blocking-start");
            await page.WaitForFunctionAsync("() => document.getElementById('blocking-panel').dataset.state === 'running'", null, new() { Timeout = 5_000, PollingInterval = 50 });
            Assert.True(await page.Locator("#blocking-progress").IsVisibleAsync());
            Assert.True(await page.Locator("#blocking-start").IsDisabledAsync());

            await page.WaitForFunctionAsync("() => document.getElementById('blocking-panel').dataset.state === 'done'", null, new() { Timeout = 45_000, PollingInterval = 200 });
            var row = page.Locator("#blocking-result tr[data-route='/blocking']").First;
            Assert.Equal("/blocking", await row.Locator("td.route").TextContentAsync());
            Assert.Contains("Thread.Sleep", await row.Locator("td.blocking-frame").TextContentAsync());
            Assert.StartsWith("Program.", await row.Locator("td.app-frame").TextContentAsync());
            Assert.True(await page.Locator("#blocking-progress").IsHiddenAsync());
            Assert.Empty(errors);
        }
        finally
        {
            stop.Cancel();
            await traffic;
        }
    }
}
