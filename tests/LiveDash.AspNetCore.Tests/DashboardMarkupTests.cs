namespace LiveDash.AspNetCore.Tests;

/// <summary>The generic dashboard's body, written once (Dashboard/DashboardBody.html), as the library's page and a host's slots render it.</summary>
public class DashboardMarkupTests
{
    static readonly DashboardMarkup.Values Values = DashboardMarkup.For(new LiveDashLabels(), "/x/hub", "/x/api/blocking/capture", " data-host=\"yes\"");

    [Fact]
    public void TheDefaultBodyHasEveryPartFilledAndNoPlaceholderLeft()
    {
        var html = DashboardMarkup.Render(Values);
        Assert.DoesNotContain("livedash-slot", html);
        Assert.DoesNotContain("{{", html);
        Assert.DoesNotContain("<!--", html);
        Assert.Contains("data-hub=\"/x/hub\"", html);
        Assert.Contains("data-modes=\"all\"", html);
        Assert.Contains("data-markers=\"0\" data-host=\"yes\">", html);
        Assert.Contains("id=\"blocking-panel\" data-url=\"/x/api/blocking/capture\"", html);
        Assert.Contains("Waiting for requests", html);
        foreach (var id in new[] { "dash", "s-rps", "s-p", "s-inapp", "s-wait", "s-threads", "s-queue", "s-inflight", "s-errors", "s-cpu", "starvation", "empty",
                     "libs-missing", "c-latency", "c-throughput", "c-threads", "threads-held", "c-waterfall", "c-histogram", "client-panel", "clients" })
            Assert.Contains($"id=\"{id}\"", html);
    }

    [Fact]
    public void AHostsSlotsGoWhereTheySayAndReplaceTheDefault()
    {
        var html = DashboardMarkup.Render(Values with { Blocking = "" }, new Dictionary<string, string>
        {
            ["strip-start"] = "<i id=\"host-stat\"></i>",
            ["empty"] = "<p id=\"host-empty\">nothing yet</p>",
        });
        Assert.True(html.IndexOf("id=\"conn-dot\"") < html.IndexOf("id=\"host-stat\"") && html.IndexOf("id=\"host-stat\"") < html.IndexOf("id=\"s-rps\""), html);
        Assert.Contains("nothing yet", html);
        Assert.DoesNotContain("Waiting for requests", html);
        Assert.DoesNotContain("blocking-panel", html);
        Assert.Equal(
            ["top", "strip-start", "strip-after-queue", "strip-after-errors", "strip-end", "toolbar-end", "before-starvation", "after-starvation", "empty", "libs-missing",
             "panels-start", "after-threads-held", "waterfall-note", "after-histogram", "panels-end"],
            DashboardMarkup.SlotNames);
    }
}
