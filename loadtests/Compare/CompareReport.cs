using System.Globalization;
using System.Text;
using LiveDash.LoadTests.Reports;
using LiveDash.LoadTests.Running;

namespace LiveDash.LoadTests.Compare;

/// <summary>The same scenario in each server mode, side by side: a table, overlaid charts, and async/sync ratios.</summary>
public static class CompareReport
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    static string F(double v) => v.ToString("0.###", Invariant);

    public static void Write(IReadOnlyList<RunResult> runs, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "compare.csv"), Csv(runs));
        File.WriteAllText(Path.Combine(directory, "report.md"), Markdown(runs));
        File.WriteAllText(Path.Combine(directory, "report.html"), Html(runs));
    }

    static readonly string[] Header = ["mode", "requests", "requests/s", "errors %", "dropped", "p50 ms", "p90 ms", "p99 ms", "max ms", "raw p99 ms"];

    static IEnumerable<IReadOnlyList<string>> Rows(IReadOnlyList<RunResult> runs) => runs.Select(r => (IReadOnlyList<string>)
        [Label(r), r.Requests.ToString(Invariant), F(r.RequestsPerSecond), F(r.ErrorPercent), r.Dropped.ToString(Invariant),
         F(r.Corrected.P50), F(r.Corrected.P90), F(r.Corrected.P99), F(r.Corrected.Max), F(r.Raw.P99)]);

    static string Label(RunResult r) => (r.ServerMode ?? "?") + (r.ServerWorkers is { } w ? ", " + Lecture.LectureRun.DescribeModel(w) : "");

    /// <summary>Async over Sync: throughput ratio above 1 and latency ratios below 1 mean async did better.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Ratios(IReadOnlyList<RunResult> runs)
    {
        var sync = runs.FirstOrDefault(r => r.ServerMode == "Sync");
        var async = runs.FirstOrDefault(r => r.ServerMode == "Async");
        if (sync is null || async is null) return [];
        static string Ratio(double a, double b) => b > 0 ? (a / b).ToString("0.00", Invariant) + "x" : "n/a";
        return
        [
            ["throughput (requests/s)", Ratio(async.RequestsPerSecond, sync.RequestsPerSecond)],
            ["p50", Ratio(async.Corrected.P50, sync.Corrected.P50)],
            ["p99", Ratio(async.Corrected.P99, sync.Corrected.P99)],
        ];
    }

    public static string Csv(IReadOnlyList<RunResult> runs)
    {
        var csv = new StringBuilder("mode,requests,requests_per_s,errors_pct,dropped,p50_ms,p90_ms,p99_ms,max_ms,raw_p99_ms\n");
        foreach (var row in Rows(runs)) csv.Append(string.Join(',', row)).Append('\n');
        return csv.ToString();
    }

    public static string Markdown(IReadOnlyList<RunResult> runs)
    {
        var md = new StringBuilder($"# Compare: {runs.FirstOrDefault()?.Scenario} in each mode\n\n");
        md.Append(RunReport.MdTable(Header, Rows(runs)));
        if (Ratios(runs) is { Count: > 0 } ratios) md.Append("\n## Async / Sync\n\n").Append(RunReport.MdTable(["measure", "async / sync"], ratios));
        foreach (var r in runs.Where(r => r.Lecture.Count > 0))
        {
            md.Append($"\n## Lecture, {Label(r)}\n\n");
            md.Append(RunReport.MdTable(["#", "path", "sent at (ms)", "done at (ms)", "took (ms)", "status"], RunReport.LectureRows(r)));
            md.Append($"\nCompletion order: {RunReport.CompletionOrder(r)}\n");
        }
        md.Append("\nEach mode's own report is in the folder named after it.\n");
        return md.ToString();
    }

    public static string Html(IReadOnlyList<RunResult> runs)
    {
        var page = new HtmlPage($"Compare: {runs.FirstOrDefault()?.Scenario} in each mode");
        page.Table(Header, Rows(runs));
        if (Ratios(runs) is { Count: > 0 } ratios) page.Heading("Async / Sync").Table(["measure", "async / sync"], ratios);
        foreach (var r in runs.Where(r => r.Lecture.Count > 0))
        {
            page.Heading($"Lecture, {Label(r)}").Table(["#", "path", "sent at (ms)", "done at (ms)", "took (ms)", "status"], RunReport.LectureRows(r));
            page.Paragraph($"Completion order: {RunReport.CompletionOrder(r)}");
        }
        page.Heading("p99 over time, by mode").Canvas("p99");
        page.Heading("p50 over time, by mode").Canvas("p50");
        page.Heading("Throughput, by mode").Canvas("throughput");
        page.Paragraph("Each mode's own report (per-second tables, histogram) is in the folder named after it.");
        return page.Render(runs, ChartScript);
    }

    const string ChartScript = """
        const colors = { Sync: '#d62728', Async: '#2ca02c', SyncOverAsync: '#ff7f0e' };
        const longest = Math.max(...DATA.map(r => r.perSecond.length));
        const labels = Array.from({ length: longest }, (_, i) => i);
        const overlay = (id, pick, unit) => new Chart(document.getElementById(id), { type: 'line', data: { labels,
            datasets: DATA.map(r => ({ label: r.serverMode, data: r.perSecond.map(pick), borderColor: colors[r.serverMode] || '#1f77b4', backgroundColor: colors[r.serverMode] || '#1f77b4', pointRadius: 0, tension: 0.2 })) },
            options: { maintainAspectRatio: false, animation: false, scales: { x: { title: { display: true, text: 'second' } }, y: { title: { display: true, text: unit } } } } });
        overlay('p99', s => s.p99, 'ms');
        overlay('p50', s => s.p50, 'ms');
        overlay('throughput', s => s.requests, 'requests/s');
        """;
}
