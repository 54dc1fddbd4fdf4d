using LiveDash.Tests;
using LiveDash.LoadTests.Agent;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace LiveDash.BrowserTests;

/// <summary>An admin starts a short run from the dashboard's load panel on two agents and sees the merged client line appear.</summary>
public class LoadPanelTests(KestrelApp app, ITestOutputHelper output) : IClassFixture<KestrelApp>
{
    static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    [Fact]
    public async Task AnAdminStartsARunFromTheLoadPanelAndSeesTheClientLine()
    {
        using var stopAgents = new CancellationTokenSource();
        var agents = new[] { "panel-a", "panel-b" }
            .Select(name => new LoadAgent(app.BaseAddress, name, KestrelApp.AdminPassword, TextWriter.Null))
            .Select(agent => agent.RunAsync(stopAgents.Token))
            .ToList();
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1500, Height = 1100 } });
            var pageErrors = new List<string>();
            page.PageError += (_, error) => pageErrors.Add(error);

            await page.GotoAsync(new Uri(app.BaseAddress, "/admin/login?ReturnUrl=%2Fdashboard").ToString());
            await page.FillAsync("input[name=password]", KestrelApp.AdminPassword);
            await page.Locator("form button, form input[type=submit]").First.ClickAsync();
            await page.WaitForURLAsync("**/dashboard");

            var wait = new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 };
            await page.WaitForFunctionAsync("() => ['panel-a', 'panel-b'].every(n => document.querySelector(`#load-agents tr[data-agent='${n}'][data-state='idle']`))", null, wait);
            await page.SelectOptionAsync("#load-scenario", "url");
            await page.FillAsync("#load-path", "/api/ping");
            await page.SelectOptionAsync("#load-kind", "rate");
            await page.FillAsync("#load-amount", "60");
            await page.FillAsync("#load-duration", "6");
            await page.ClickAsync("#load-start");

            await page.WaitForFunctionAsync("() => document.getElementById('load-panel').dataset.runState === 'running'", null, wait);
            var run = await page.EvaluateAsync<string>("() => document.getElementById('load-panel').dataset.run");
            // The merged client line: a dataset on the latency chart that gets points.
            await page.WaitForFunctionAsync($$"""
                () => {
                    const line = Chart.getChart('c-latency').data.datasets.find(d => d.label === 'client p99 · load {{run}}');
                    const row = [...document.querySelectorAll('#clients tbody tr')].find(tr => tr.cells[0].textContent === 'load {{run}}');
                    return line && line.data.length >= 2 && row && Number(row.cells[1].textContent) > 0;
                }
                """, null, wait);
            await page.WaitForFunctionAsync("() => document.getElementById('load-panel').dataset.runState === 'completed'", null, wait);
            Assert.Equal(3, await page.Locator("#load-run a.load-report").CountAsync());
            // Once its clients stop reporting, the run's row says it ended and no longer sits beside the server's figures of now.
            await page.WaitForFunctionAsync($$"""
                () => [...document.querySelectorAll('#clients tbody tr.ended')].some(tr => tr.cells[0].textContent.startsWith('load {{run}} (ended ') && tr.cells[4].textContent === '–')
                """, null, wait);

            var shot = Path.Combine(AppContext.BaseDirectory, "TestResults", "load-panel.png");
            Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
            await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
            output.WriteLine($"load panel screenshot: {shot}");
            Console.WriteLine($"load panel screenshot: {shot}");

            var report = await page.APIRequest.GetAsync(new Uri(app.BaseAddress, $"/admin/api/load/runs/{run}/report").ToString());
            var html = await report.TextAsync();
            Assert.Contains("panel-a", html);
            Assert.Contains("panel-b", html);
            Assert.Empty(pageErrors);
        }
        finally
        {
            stopAgents.Cancel();
            await Task.WhenAll(agents).WaitAsync(TimeSpan.FromSeconds(40));
        }
    }
}
