using System.Globalization;
using System.Text;
using System.Text.Json;
using LiveDash.LoadTests.Admin;
using LiveDash.LoadTests.Running;

namespace LiveDash.LoadTests.Reports;

/// <summary>Writes a run's report.html, report.md and stats.csv (one row per second).</summary>
public static class RunReport
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string DefaultDirectory(string scenario, DateTimeOffset startedAt) =>
        Path.Combine(RepositoryRoot.Find() ?? Environment.CurrentDirectory, "reports", $"{startedAt:yyyyMMdd-HHmmss}-{scenario}");

    public static void Write(RunResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "stats.csv"), Csv(result));
        File.WriteAllText(Path.Combine(directory, "report.md"), Markdown(result));
        File.WriteAllText(Path.Combine(directory, "report.html"), Html(result));
    }

    public static string Csv(RunResult r)
    {
        var csv = new StringBuilder("second,requests,errors,dropped,p50_ms,p90_ms,p99_ms,max_ms,raw_p50_ms,raw_p99_ms,errors_by_kind\n");
        foreach (var s in r.PerSecond)
            csv.Append(Invariant, $"{s.Second},{s.Requests},{s.Errors},{s.Dropped},{s.P50},{s.P90},{s.P99},{s.Max},{s.RawP50},{s.RawP99},")
               .Append(string.Join(';', s.ErrorsByKind.Select(e => $"{e.Key}:{e.Value}"))).Append('\n');
        return csv.ToString();
    }

    internal static IReadOnlyList<string> SummaryHeader(RunResult r) =>
        r.OpenModel ? ["measure", "from intended start (ms)", "from actual send (ms)"] : ["measure", "latency (ms)"];

    internal static IEnumerable<IReadOnlyList<string>> SummaryRows(RunResult r)
    {
        IReadOnlyList<string> Row(string name, double corrected, double raw) =>
            r.OpenModel ? [name, F(corrected), F(raw)] : [name, F(corrected)];
        yield return Row("p50", r.Corrected.P50, r.Raw.P50);
        yield return Row("p75", r.Corrected.P75, r.Raw.P75);
        yield return Row("p90", r.Corrected.P90, r.Raw.P90);
        yield return Row("p95", r.Corrected.P95, r.Raw.P95);
        yield return Row("p99", r.Corrected.P99, r.Raw.P99);
        yield return Row("p99.9", r.Corrected.P999, r.Raw.P999);
        yield return Row("max", r.Corrected.Max, r.Raw.Max);
        yield return Row("mean", r.Corrected.Mean, r.Raw.Mean);
    }

    internal static IEnumerable<IReadOnlyList<string>> TotalsRows(RunResult r)
    {
        yield return ["target", r.Target];
        yield return ["server mode", r.ServerMode ?? "(unknown)"];
        yield return ["started", r.StartedAt.ToString("yyyy-MM-dd HH:mm:ss zzz", Invariant)];
        yield return ["seconds", F(r.Seconds)];
        yield return ["requests", r.Requests.ToString(Invariant)];
        yield return ["requests/s", F(r.RequestsPerSecond)];
        yield return ["errors", $"{r.Errors} ({F(r.ErrorPercent)}%)"];
        yield return ["errors by status", r.ErrorsByKind.Count == 0 ? "none" : string.Join(", ", r.ErrorsByKind.Select(e => $"{e.Key}: {e.Value}"))];
        yield return ["dropped (could not start on time)", r.Dropped.ToString(Invariant)];
        yield return ["ended", r.StopReason];
    }

    static readonly string[] AgentsHeader = ["agent", "requests", "share", "requests/s", "errors", "p50 ms", "p99 ms", "ended"];

    /// <summary>Each agent's share of a merged run; the run's own percentiles come from the merged histograms, never from these.</summary>
    internal static IEnumerable<IReadOnlyList<string>> AgentRows(RunResult r) =>
        r.Agents.Select(a => (IReadOnlyList<string>)[a.Name, a.Requests.ToString(Invariant), r.Requests > 0 ? F(Math.Round(100.0 * a.Requests / r.Requests, 1)) + "%" : "-",
            F(a.RequestsPerSecond), a.Errors.ToString(Invariant), F(a.P50), F(a.P99), a.StopReason]);

    static string F(double v) => v.ToString("0.###", Invariant);

    public static string Markdown(RunResult r)
    {
        var md = new StringBuilder();
        md.Append($"# Load run: {r.Scenario}\n\n");
        md.Append(MdTable(["", ""], TotalsRows(r)));
        if (r.Agents.Count > 0)
        {
            md.Append("\n## Agents\n\n");
            md.Append(MdTable(AgentsHeader, AgentRows(r)));
        }
        md.Append("\n## Latency\n\n");
        if (r.OpenModel) md.Append("Open model: latency counted from each request's *intended* start (coordinated omission corrected), the actual-send figure beside it.\n\n");
        md.Append(MdTable(SummaryHeader(r), SummaryRows(r)));
        if (r.Thresholds.Count > 0)
        {
            md.Append("\n## Thresholds\n\n");
            md.Append(MdTable(["threshold", "measured", "result"], r.Thresholds.Select(t => (IReadOnlyList<string>)[t.Threshold.Text, F(t.Measured), t.Passed ? "passed" : "FAILED"])));
        }
        if (r.Lecture.Count > 0)
        {
            md.Append("\n## The lecture's three requests\n\n");
            md.Append(MdTable(["#", "path", "sent at (ms)", "done at (ms)", "took (ms)", "status"], LectureRows(r)));
            md.Append($"\nCompletion order: {CompletionOrder(r)}\n");
        }
        md.Append("\n## Per second\n\n");
        md.Append(MdTable(["second", "requests", "errors", "dropped", "p50 ms", "p90 ms", "p99 ms", "max ms", "raw p99 ms"],
            r.PerSecond.Select(s => (IReadOnlyList<string>)[s.Second.ToString(Invariant), s.Requests.ToString(Invariant), s.Errors.ToString(Invariant), s.Dropped.ToString(Invariant), F(s.P50), F(s.P90), F(s.P99), F(s.Max), F(s.RawP99)])));
        return md.ToString();
    }

    internal static IEnumerable<IReadOnlyList<string>> LectureRows(RunResult r) =>
        r.Lecture.Select(l => (IReadOnlyList<string>)[l.Number.ToString(Invariant), l.Path, F(Math.Round(l.SentAtMs, 1)), F(Math.Round(l.DoneAtMs, 1)), F(Math.Round(l.DurationMs, 1)), l.Status.ToString(Invariant)]);

    public static string CompletionOrder(RunResult r) => string.Join(", ", r.Lecture.OrderBy(l => l.DoneAtMs).Select(l => l.Number));

    internal static string MdTable(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var md = new StringBuilder();
        md.Append("| ").Append(string.Join(" | ", header)).Append(" |\n");
        md.Append('|').Append(string.Concat(header.Select(_ => " --- |"))).Append('\n');
        foreach (var row in rows) md.Append("| ").Append(string.Join(" | ", row.Select(c => c.Replace("|", "\\|")))).Append(" |\n");
        return md.ToString();
    }

    public static string Html(RunResult r)
    {
        var page = new HtmlPage($"Load run: {r.Scenario}");
        page.Table(["", ""], TotalsRows(r));
        if (r.Agents.Count > 0) page.Heading("Agents").Table(AgentsHeader, AgentRows(r));
        foreach (var t in r.Thresholds)
            page.Raw($"<p class=\"{(t.Passed ? "pass" : "fail")}\">threshold {(t.Passed ? "passed" : "FAILED")}: {System.Net.WebUtility.HtmlEncode(t.Describe())}</p>");
        if (r.Lecture.Count > 0)
        {
            page.Heading("The lecture's three requests").Table(["#", "path", "sent at (ms)", "done at (ms)", "took (ms)", "status"], LectureRows(r));
            page.Paragraph($"Completion order: {CompletionOrder(r)}");
        }
        page.Heading("Latency percentiles");
        if (r.OpenModel) page.Paragraph("Open model: latency counted from each request's intended start (coordinated omission corrected); the actual-send figures beside it.");
        page.Table(SummaryHeader(r), SummaryRows(r));
        page.Heading("Latency over time").Canvas("latency");
        page.Heading("Throughput").Canvas("throughput");
        page.Heading("Latency histogram").Canvas("histogram");
        page.Heading("Per second").Table(["second", "requests", "errors", "dropped", "p50 ms", "p90 ms", "p99 ms", "max ms", "raw p50 ms", "raw p99 ms"],
            r.PerSecond.Select(s => (IReadOnlyList<string>)[s.Second.ToString(Invariant), s.Requests.ToString(Invariant), s.Errors.ToString(Invariant), s.Dropped.ToString(Invariant), F(s.P50), F(s.P90), F(s.P99), F(s.Max), F(s.RawP50), F(s.RawP99)]));
        var data = JsonSerializer.SerializeToNode(r, HtmlPage.Json)!.AsObject();
        data["bins"] = JsonSerializer.SerializeToNode(LogBins(r.Histogram), HtmlPage.Json);
        data["partialLastSecond"] = PartialLastSecond(r);
        return page.Render(data, ChartScript);
    }

    /// <summary>The histogram's resolution (its buckets are about 1% wide): finer bins would be empty by construction.</summary>
    const double SourceResolution = 1.008;

    /// <summary>
    /// The latency buckets regrouped into log-spaced bins from the fastest to the slowest request, empty bins included so
    /// the axis stays honest: <paramref name="most"/> bins, fewer only when the data spans less than the source resolution allows.
    /// </summary>
    internal static IReadOnlyList<HistogramBar> LogBins(IReadOnlyList<HistogramBar> source, int most = 30)
    {
        if (source.Count == 0) return [];
        var low = Math.Max(source[0].LowMs, 0.001);
        var high = Math.Max(source[^1].HighMs, low * SourceResolution);
        var count = Math.Clamp((int)Math.Floor(Math.Log(high / low) / Math.Log(SourceResolution)), 1, most);
        var step = Math.Log(high / low) / count;
        var counts = new long[count];
        foreach (var bar in source)
        {
            var middle = Math.Sqrt(Math.Max(bar.LowMs, 0.001) * Math.Max(bar.HighMs, 0.001));
            counts[Math.Clamp((int)Math.Floor(Math.Log(middle / low) / step), 0, count - 1)] += bar.Count;
        }
        return [.. counts.Select((n, i) => new HistogramBar(low * Math.Exp(i * step), low * Math.Exp((i + 1) * step), n))];
    }

    /// <summary>How much of the last second the run covered, when it ended part-way through one; null when it ended on a whole second.</summary>
    internal static double? PartialLastSecond(RunResult r)
    {
        if (r.PerSecond.Count == 0) return null;
        var covered = r.Seconds - (r.PerSecond.Count - 1);
        return covered is > 0 and < 0.999 ? Math.Round(covered, 3) : null;
    }

    // Straight segments between the real points (no smoothing), every point drawn; a last second the run covered only
    // in part is drawn as its rate, marked, instead of as a drop.
    const string ChartScript = """
        const seconds = DATA.perSecond.map(s => s.second);
        const partial = DATA.partialLastSecond;
        const last = DATA.perSecond.length - 1;
        const labels = seconds.map((s, i) => partial !== null && i === last ? `${s} (${partial} s)` : `${s}`);
        const line = (label, values, color, dash) => ({ label, data: values, borderColor: color, backgroundColor: color, borderDash: dash || [], pointRadius: 2, tension: 0, cubicInterpolationMode: 'default' });
        const whole = values => values.map((v, i) => partial !== null && i === last ? null : v);
        const partialRate = (label, values, color) => ({ label, data: values.map((v, i) => partial !== null && i === last ? v / partial : null),
            borderColor: color, backgroundColor: 'white', pointStyle: 'triangle', pointRadius: 6, showLine: false });
        new Chart(document.getElementById('latency'), { type: 'line', data: { labels, datasets: [
            line('p50', DATA.perSecond.map(s => s.p50), '#1f77b4'),
            line('p90', DATA.perSecond.map(s => s.p90), '#ff7f0e'),
            line('p99', DATA.perSecond.map(s => s.p99), '#d62728'),
            ...(DATA.openModel ? [line('p99 from actual send', DATA.perSecond.map(s => s.rawP99), '#9467bd', [6, 4])] : [])
        ] }, options: { maintainAspectRatio: false, animation: false, scales: { x: { title: { display: true, text: 'second' } }, y: { title: { display: true, text: 'ms' } } } } });
        new Chart(document.getElementById('throughput'), { type: 'line', data: { labels, datasets: [
            line('requests/s', whole(DATA.perSecond.map(s => s.requests)), '#2ca02c'),
            line('errors/s', whole(DATA.perSecond.map(s => s.errors)), '#d62728'),
            line('dropped/s', whole(DATA.perSecond.map(s => s.dropped)), '#7f7f7f'),
            ...(partial !== null ? [partialRate(`requests/s in the last ${partial} s (partial second, as a rate)`, DATA.perSecond.map(s => s.requests), '#2ca02c')] : [])
        ] }, options: { maintainAspectRatio: false, animation: false, scales: { x: { title: { display: true, text: 'second' } } } } });
        const ms = v => v < 1 ? v.toFixed(2) : v < 10 ? v.toFixed(1) : v.toFixed(0);
        new Chart(document.getElementById('histogram'), { type: 'bar', data: {
            labels: DATA.bins.map(b => `${ms(b.lowMs)}–${ms(b.highMs)} ms`),
            datasets: [{ label: 'requests (log-spaced bins)', data: DATA.bins.map(b => b.count), backgroundColor: '#1f77b4', barPercentage: 1, categoryPercentage: 1 }]
        }, options: { maintainAspectRatio: false, animation: false, scales: { x: { title: { display: true, text: 'latency (bins of equal ratio)' } } } } });
        """;
}
