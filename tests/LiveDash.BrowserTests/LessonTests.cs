using System.Diagnostics;
using System.Globalization;
using LiveDash.Tests;
using LiveDash.Tests.Shared;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace LiveDash.BrowserTests;

/// <summary>
/// An admin walks the dashboard's lesson by clicking: step 1 (the server runs the lecture on itself), step 2 (a crowd
/// from a load agent process starves the thread pool), step 3 (three ways out), step 4 (SyncOverAsync starves the server
/// so hard that, before its load channel had a thread of its own, it lost its agent). Crowds of 4 s (?lesson-seconds=4).
/// </summary>
// Alone, and the app in a process of its own as ./livedash up runs it: the lecture's Async answers come back on the app's
// thread pool, which in this process another class's Sync load starves (CI saw Async come back 3,1,2 so).
[Collection(AloneCollection.Name)]
public class LessonTests(ITestOutputHelper output)
{
    const string Password = "lesson-process-secret";

    static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    [Fact]
    public async Task AnAdminWalksTheLessonStepByStep()
    {
        // The crowd comes from an agent in its own process, as ./livedash up starts one: in this process it would share the starving pool.
        using var app = await AppProcess.StartAsync(Password, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        var agentLines = new List<string>();
        using var agent = AgentProcess.Start(app.BaseAddress, "lesson", Password, line => { lock (agentLines) agentLines.Add(line); });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        try
        {
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1500, Height = 1100 } });
            var pageErrors = new List<string>();
            page.PageError += (_, error) => pageErrors.Add(error);

            // Anonymous: the lesson, open on a first visit, with no buttons.
            await page.GotoAsync(new Uri(app.BaseAddress, "/dashboard").ToString());
            Assert.True(await page.Locator("#lesson-body").IsVisibleAsync());
            Assert.Equal(0, await page.Locator(".lesson-run").CountAsync());
            // Collapsed, it stays collapsed on the next visit; opened again, it stays open.
            await page.ClickAsync("#lesson-toggle");
            await page.ReloadAsync();
            Assert.True(await page.Locator("#lesson-body").IsHiddenAsync());
            await page.ClickAsync("#lesson-toggle");
            await page.ReloadAsync();
            Assert.True(await page.Locator("#lesson-body").IsVisibleAsync());

            await page.GotoAsync(new Uri(app.BaseAddress, "/admin/login?ReturnUrl=%2Fdashboard%3Flesson-seconds%3D4").ToString());
            await page.FillAsync("input[name=password]", Password);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForURLAsync(u => u.Contains("/dashboard"));
            var wait = new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 200 };
            await page.WaitForFunctionAsync("() => document.getElementById('dash').dataset.connected === 'true'", null, wait);

            // The agent's start (a JIT-busy process) is over before the lecture's timings begin.
            using (var admin = app.Http(Password))
                for (var tries = 0; !(await admin.GetStringAsync("/admin/api/load/agents")).Contains("\"lesson\""); tries++)
                {
                    Assert.True(tries < 120, "the agent process never connected");
                    await Task.Delay(250);
                }

            // Step 1: both lecture pictures, side by side.
            var clock = Stopwatch.StartNew();
            await page.ClickAsync(".lesson-run[data-step='1']");
            await page.WaitForFunctionAsync("() => document.querySelectorAll('#lesson-lectures .lesson-lecture').length === 2 && !document.getElementById('lesson').dataset.running", null, wait);
            output.WriteLine($"step 1 drawn after {clock.Elapsed.TotalSeconds:0.0} s");
            var sync = page.Locator(".lesson-lecture[data-mode='Sync']");
            var async = page.Locator(".lesson-lecture[data-mode='Async']");
            output.WriteLine(await page.TextContentAsync(".lesson-explain[data-step='1']"));
            using (var anyone = new HttpClient { BaseAddress = app.BaseAddress })
                output.WriteLine(await anyone.GetStringAsync("/api/lesson"));   // each request's sent, done, queued, app and db times
            Assert.Equal("1,2,3", await sync.GetAttributeAsync("data-order"));
            Assert.Contains("completion order 1, 2, 3", await sync.TextContentAsync());
            Assert.True(Number(await sync.GetAttributeAsync("data-slower")) >= 3, $"Sync: #3 only ×{await sync.GetAttributeAsync("data-slower")} slower than alone");
            Assert.Equal("1,3,2", await async.GetAttributeAsync("data-order"));
            Assert.Contains("completion order 1, 3, 2", await async.TextContentAsync());
            Assert.True(Number(await async.GetAttributeAsync("data-slower")) <= 1.3, $"Async: #3 ×{await async.GetAttributeAsync("data-slower")} its time alone");
            Assert.Contains("slower than alone", await sync.TextContentAsync());
            Assert.Equal(3, await sync.Locator(".lecture-row[data-n]").CountAsync());
            Assert.Contains("×", await page.Locator(".lesson-explain[data-step='1']").TextContentAsync());
            var shot = Path.Combine(AppContext.BaseDirectory, "TestResults", "lesson-step1.png");
            Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
            await page.Locator("#lesson").ScreenshotAsync(new() { Path = shot });
            output.WriteLine($"lesson screenshot: {shot}");

            // Step 2: a crowd starves the pool; the banner shows, and the measured wait for a thread exceeds the time in our code.
            await page.ClickAsync(".lesson-run[data-step='2']");
            try
            {
                await page.WaitForFunctionAsync("() => document.getElementById('dash').dataset.starving === 'true' && !document.getElementById('starvation').hidden", null, wait);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"no starvation banner during step 2; the lesson says: {await page.TextContentAsync("#lesson-msg")}; strip: wait {await page.TextContentAsync("#s-wait")}, in app {await page.TextContentAsync("#s-inapp")}, threads {await page.TextContentAsync("#s-threads")}, queued {await page.TextContentAsync("#s-queue")}");
            }
            Assert.Contains("for a thread-pool thread", await page.TextContentAsync("#starvation-title"));
            await Task.Delay(1500);
            var starved = Path.Combine(AppContext.BaseDirectory, "TestResults", "lesson-step2-starving.png");
            await page.ScreenshotAsync(new() { Path = starved, FullPage = true });
            output.WriteLine($"starving dashboard screenshot: {starved}");
            await page.WaitForFunctionAsync("() => !document.getElementById('lesson').dataset.running", null, wait);
            NotStopped(await page.TextContentAsync("#lesson-msg"));
            var step2 = page.Locator("#lesson-results tr[data-step='2']");
            var waitMs = Number(await step2.GetAttributeAsync("data-wait"));
            var inAppMs = Number(await step2.GetAttributeAsync("data-inapp"));
            Assert.True(waitMs > inAppMs, $"step 2: waited {waitMs} ms for a thread, {inAppMs} ms in app");
            var explain2 = await page.Locator(".lesson-explain[data-step='2']").TextContentAsync();
            Assert.Contains("waited", explain2);
            // The measured split of the crowd's endpoint: how many threads it held, and how much of that blocked.
            Assert.Matches(@"/api/orders held [\d.]+ of \d+ threads, \d+ % of its .* on a thread blocked", explain2);

            // Step 3: Sync as it ships, more threads, Async; Async's end-to-end p50 at least 5× lower than Sync's.
            await page.ClickAsync(".lesson-run[data-step='3']");
            await page.WaitForFunctionAsync("() => !document.getElementById('lesson').dataset.running", null, new() { Timeout = 120_000, PollingInterval = 250 });
            NotStopped(await page.TextContentAsync("#lesson-msg"));
            var step3Rows = await page.Locator("#lesson-results tr[data-step='3']").CountAsync();
            Assert.True(step3Rows == 3, $"step 3 drew {step3Rows} rows; the lesson says: {await page.TextContentAsync("#lesson-msg")}; {await page.TextContentAsync("#lesson-results")}");
            var rows = page.Locator("#lesson-results tr[data-step='3']");
            var syncP50 = Number(await rows.Nth(0).GetAttributeAsync("data-p50"));
            var asyncP50 = Number(await rows.Nth(2).GetAttributeAsync("data-p50"));
            Assert.StartsWith("Async", await rows.Nth(2).GetAttributeAsync("data-label"));
            output.WriteLine($"step 3: Sync p50 {syncP50} ms, more threads {await rows.Nth(1).GetAttributeAsync("data-p50")} ms, Async {asyncP50} ms");
            // One instance: no farm row, and the explanation says why, from the instance count it read.
            Assert.Contains("no farm row", await page.Locator(".lesson-explain[data-step='3']").TextContentAsync());
            Assert.True(syncP50 >= 5 * asyncP50, $"step 3: Sync p50 {syncP50} ms, Async {asyncP50} ms");

            // Step 4: SyncOverAsync. The step's row counts the agent's requests and errors for the whole step, as the
            // agent itself counted them (its end line), and the agent is back, idle and connected, soon after.
            await page.ClickAsync(".lesson-run[data-step='4']");
            await page.WaitForFunctionAsync("() => !document.getElementById('lesson').dataset.running", null, new() { Timeout = 120_000, PollingInterval = 250 });
            var stepEnd = Stopwatch.StartNew();
            NotStopped(await page.TextContentAsync("#lesson-msg"));
            var step4 = page.Locator("#lesson-results tr[data-step='4']");
            Assert.Equal(1, await step4.CountAsync());
            // The agent writes its end line as it sends its end: three crowds so far (steps 2, 3 and 4), three lines.
            string[] lines;
            await WaitUntil(() => { lock (agentLines) return Task.FromResult(agentLines.Count(l => l.Contains(" ended (")) >= 3); }, TimeSpan.FromSeconds(5), "the agent's end line for step 4");
            lock (agentLines) lines = agentLines.ToArray();
            output.WriteLine("the agent during step 4: " + string.Join(" | ", lines.SkipWhile(l => !l.Contains("SyncOverAsync") && !l.Contains("run ")).TakeLast(4)));
            var ended = lines.Last(l => l.Contains(" ended ("));
            var own = System.Text.RegularExpressions.Regex.Match(ended, @": (\d+) requests, .* (\d+) errors$");
            Assert.True(own.Success, $"the agent's end line: {ended}");
            Assert.Equal(own.Groups[1].Value, await step4.GetAttributeAsync("data-requests"));
            Assert.Equal(own.Groups[2].Value, await step4.GetAttributeAsync("data-errors"));
            Assert.True(long.Parse(own.Groups[1].Value, CultureInfo.InvariantCulture) > 0, $"the agent sent no request in step 4: {ended}");
            output.WriteLine($"step 4: {await step4.TextContentAsync()}; lost the server during it: {lines.Any(l => l.Contains("lost the server"))}");
            using (var admin = app.Http(Password))
                await WaitUntil(async () => (await admin.GetStringAsync("/admin/api/load/agents")).Contains("\"name\":\"lesson\",\"state\":\"idle\""), TimeSpan.FromSeconds(10) - stepEnd.Elapsed, "the agent connected and idle within 10 s of step 4's end");
            Assert.Empty(pageErrors);
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(entireProcessTree: true);
        }
    }

    static async Task WaitUntil(Func<Task<bool>> done, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(clock.Elapsed < limit, $"not within the time: {what}");
            await Task.Delay(250);
        }
    }

    static void NotStopped(string? message) => Assert.False(message?.Contains("stopped") ?? true, $"the lesson says: {message}");

    static double Number(string? text) => double.Parse(text ?? "NaN", CultureInfo.InvariantCulture);
}
