using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LiveDash.AspNetCore;

/// <summary>
/// The library's own page: the generic dashboard's body (<see cref="DashboardMarkup"/>, the markup a host's Razor page renders
/// with <see cref="LiveDashDashboardTagHelper"/>) between the package's styles and scripts. <c>#dash</c> raises
/// <c>livedash:tick</c> with every tick, so a host page can add panels.
/// </summary>
static class DashboardPage
{
    public static IResult Render(HttpContext context, string prefix, string hubPath)
    {
        var labels = context.RequestServices.GetRequiredService<ILiveDashLabels>();
        var blocking = context.RequestServices.GetRequiredService<IOptions<LiveDashOptions>>().Value.BlockingCapture ? prefix + "/api/blocking/capture" : null;
        var assets = WebUtility.HtmlEncode(prefix + "/assets/");
        var body = DashboardMarkup.Render(DashboardMarkup.For(labels, hubPath, blocking));
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>LiveDash</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="{{assets}}css/livedash.css">
            <link rel="stylesheet" href="{{assets}}css/dashboard.css">
            </head>
            <body>
            <main class="container">
            {{body}}
            </main>
            <script src="{{assets}}lib/chart.js/dist/chart.umd.min.js"></script>
            <script src="{{assets}}lib/microsoft-signalr/dist/browser/signalr.min.js"></script>
            <script type="module" src="{{assets}}js/livedash.js"></script>
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
