using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LiveDash.AspNetCore;

/// <summary>
/// The generic dashboard: header strip, latency (end to end and in app), throughput, thread pool, threads held per endpoint, waterfall,
/// histogram and the client-vs-server table. Its element ids are the ones the modules under <c>js/</c> draw into,
/// and <c>#dash</c> raises <c>livedash:tick</c> with every tick, so a host page can copy this markup and add panels.
/// </summary>
static class DashboardPage
{
    public static IResult Render(HttpContext context, string prefix, string hubPath)
    {
        var labels = context.RequestServices.GetRequiredService<ILiveDashLabels>();
        var edges = string.Join(",", TelemetryAggregator.HistogramEdgesMs.Select(e => e.ToString(CultureInfo.InvariantCulture)));
        var names = string.Join(",", labels.Names);
        var assets = prefix + "/assets/";
        string A(string s) => WebUtility.HtmlEncode(s);
        var blocking = context.RequestServices.GetRequiredService<IOptions<LiveDashOptions>>().Value.BlockingCapture
            ? LiveDashPanels.Blocking(prefix + "/api/blocking/capture") : "";
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>LiveDash</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="{{A(assets)}}css/livedash.css">
            <link rel="stylesheet" href="{{A(assets)}}css/dashboard.css">
            </head>
            <body>
            <main class="container">
            <div class="dash" id="dash" data-hub="{{A(hubPath)}}" data-edges="{{A(edges)}}" data-modes="{{A(names)}}" data-connected="false"
                 data-ticks="0" data-waterfall-bars="0" data-markers="0">
              <section class="strip" aria-label="Live figures">
                <div class="stat conn"><span class="dot" id="conn-dot"></span><span id="conn-text">connecting…</span></div>
                <div class="stat"><label>Req/s</label><span id="s-rps">–</span></div>
                <div class="stat wide"><label>p50 / p99 end to end</label><span id="s-p">–</span></div>
                <div class="stat wide"><label>in app p50 / p99</label><span id="s-inapp">–</span></div>
                <div class="stat"><label>Waiting for a thread</label><span id="s-wait">–</span><small class="sub" id="s-wait-send"></small></div>
                <div class="stat"><label>Threads</label><span id="s-threads">–</span></div>
                <div class="stat"><label>Queued work</label><span id="s-queue">–</span></div>
                <div class="stat"><label>In flight</label><span id="s-inflight">–</span></div>
                <div class="stat"><label>Errors</label><span id="s-errors">–</span></div>
                <div class="stat"><label>CPU</label><span id="s-cpu">–</span></div>
              </section>
              <section class="toolbar">
                <div class="group" role="group" aria-label="Time window">
                  <span class="muted">Window</span>
                  <button type="button" class="secondary win" data-min="1">1 min</button>
                  <button type="button" class="secondary win active" data-min="5">5 min</button>
                  <button type="button" class="secondary win" data-min="15">15 min</button>
                </div>
                <button type="button" class="secondary" id="pause">Pause</button>
                <label class="check"><input type="checkbox" id="logscale"> log latency axis</label>
                <span class="muted" id="dropped" hidden></span>
              </section>
              <section class="starvation" id="starvation" role="status" aria-live="polite" hidden>
                <strong id="starvation-title"></strong> <span id="starvation-what"></span> <span class="little" id="starvation-little"></span>
              </section>
              <section class="empty panel" id="empty">
                <h2>Waiting for requests</h2>
                <p>The charts fill in as soon as this app gets traffic.</p>
                <p class="muted" id="libs-missing" hidden>The chart libraries did not load: the package's static assets are missing (build with them restored).</p>
              </section>
              <section class="panels">
                <article class="panel wide">
                  <header><h2>Latency</h2><span class="muted">end to end (bytes received at the socket → response sent) p50 / p95 / p99 per 250 ms, in app in grey; the shaded gap is time spent waiting for a thread; markers are settings changes<span id="client-note" hidden>; dashed lines: what a load run's clients saw</span></span></header>
                  <div class="chart"><canvas id="c-latency"></canvas></div>
                </article>
                <article class="panel">
                  <header><h2>Throughput</h2><span class="muted">requests/s ok and failed, requests in flight</span></header>
                  <div class="chart"><canvas id="c-throughput"></canvas></div>
                </article>
                <article class="panel">
                  <header><h2>Thread pool</h2><span class="muted">threads, queued work items, minimum threads</span></header>
                  <div class="chart"><canvas id="c-threads"></canvas></div>
                </article>
                <article class="panel wide" id="threads-held" data-rows="0" data-threads-held="0">
                  <header><h2>Threads held</h2><span class="muted">per endpoint over the last 2 s: threads held = requests/s × time on a thread (Little's law), its time on a thread split into
                    <i class="swatch cpu"></i>on a CPU, <i class="swatch rq"></i>waiting for a CPU and <i class="swatch bl"></i>blocked; awaiting holds no thread</span>
                    <strong id="threads-held-total" class="muted"></strong></header>
                  <table class="grid">
                    <thead><tr><th>Endpoint</th><th class="num">Req/s</th><th class="num">On a thread</th><th class="num">Awaiting</th><th class="num">Threads held</th><th>of the pool's threads</th><th>Blocked in</th></tr></thead>
                    <tbody><tr><td colspan="7" class="muted">No requests yet.</td></tr></tbody>
                  </table>
                </article>
                <article class="panel wide">
                  <header><h2>Waterfall</h2><span class="muted">recently sampled requests on one time axis: waiting for a thread before the app (measured at the socket), queued, the app's time split into on a CPU, blocked and awaiting with no thread (by share, not by moment), its measured round trips</span></header>
                  <div class="chart tall"><canvas id="c-waterfall"></canvas></div>
                </article>
                <article class="panel">
                  <header><h2>Latency histogram</h2><span class="muted">requests per end-to-end latency band, last 10 s</span></header>
                  <div class="chart"><canvas id="c-histogram"></canvas></div>
                </article>
                {{blocking}}
                <article class="panel wide" id="client-panel" hidden>
                  <header><h2>Client vs server</h2><span class="muted">latest figures a load run reported, beside the server's</span></header>
                  <table class="grid" id="clients">
                    <thead><tr><th>Run</th><th class="num">Client req/s</th><th class="num">Client p50</th><th class="num">Client p99</th><th class="num">Server p50</th><th class="num">Server p99</th><th class="num">Client errors</th></tr></thead>
                    <tbody></tbody>
                  </table>
                </article>
              </section>
            </div>
            </main>
            <script src="{{A(assets)}}lib/chart.js/dist/chart.umd.min.js"></script>
            <script src="{{A(assets)}}lib/microsoft-signalr/dist/browser/signalr.min.js"></script>
            <script type="module" src="{{A(assets)}}js/livedash.js"></script>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8");
    }
}

/// <summary>Markup of the library's panels, for a host page of its own that hosts them beside its panels.</summary>
public static class LiveDashPanels
{
    /// <summary>
    /// "Find the blocking code": the markup <c>js/blocking.js</c> (<c>wireBlockingPanel</c>) drives, for a host page that hosts the
    /// library's panels; <paramref name="captureUrl"/> is <c>{path}/api/blocking/capture</c>.
    /// </summary>
    public static string Blocking(string captureUrl) => $"""
        <article class="panel wide" id="blocking-panel" data-url="{WebUtility.HtmlEncode(captureUrl)}" data-state="idle" data-sites="0">
          <header><h2>Where they block</h2><span class="muted">samples every thread's stack for a few seconds, then names, per endpoint, the first frame of the app's own code and the blocking call beneath it</span></header>
          <div class="toolbar">
            <button type="button" id="blocking-start">Find the blocking code</button>
            <label>seconds <input type="number" id="blocking-seconds" min="1" max="{BlockingCapture.MaxSeconds}" value="{BlockingCapture.DefaultSeconds}"></label>
            <span class="muted" id="blocking-cost">costs about {BlockingCapture.CostPercent}% of throughput while it runs, nothing otherwise</span>
            <progress id="blocking-progress" max="100" value="0" hidden></progress>
            <span id="blocking-msg" class="muted" role="status"></span>
          </div>
          <div id="blocking-result"></div>
        </article>
        """;
}
