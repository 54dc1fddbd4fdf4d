using System.Globalization;
using LiveDash.LoadTests.Running;
using Spectre.Console;

namespace LiveDash.LoadTests.Live;

/// <summary>
/// The run as it happens: a Spectre.Console table refreshed every second on a terminal, or one plain
/// progress line per second when the output is a pipe or a file; then the final summary.
/// </summary>
public sealed class ConsoleView(TextWriter output, bool interactive)
{
    public static bool IsTerminal(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public async Task<RunResult> ShowAsync(Task<RunResult> run, Func<ProgressSnapshot?> snapshot, Action<ProgressSnapshot>? everySecond)
    {
        if (!interactive)
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(1000));
                if (run.IsCompleted) break;
                if (snapshot() is { } s)
                {
                    output.WriteLine(PlainLine(s));
                    everySecond?.Invoke(s);
                }
            }
            return await run;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn("");
        await AnsiConsole.Live(table).AutoClear(false).StartAsync(async context =>
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(1000));
                if (snapshot() is not { } s) continue;
                Fill(table, s);
                context.Refresh();
                if (!run.IsCompleted) everySecond?.Invoke(s);
            }
        });
        return await run;
    }

    /// <summary>
    /// The last-second figures exist once the phase has run a whole second; before that they would read
    /// "0 req/s, p50 0.0 ms", which is not what happened. (Elapsed is rounded to 0.1 s, hence "more than 1".)
    /// </summary>
    internal static bool HasWholeSecond(ProgressSnapshot s) => s.Elapsed > 1.0;

    static string Rate(ProgressSnapshot s) => HasWholeSecond(s) ? s.LastSecondRequests.ToString(CultureInfo.InvariantCulture) : "–";

    static string Ms(ProgressSnapshot s, double ms) => HasWholeSecond(s) ? ms.ToString("0.0", CultureInfo.InvariantCulture) : "–";

    internal static string PlainLine(ProgressSnapshot s) => string.Create(CultureInfo.InvariantCulture,
        $"{(s.WarmingUp ? "warm-up " : "")}{s.Elapsed,6:0.0}s elapsed, {s.Remaining,6:0.0}s left | {Rate(s)} req/s | p50 {Ms(s, s.LastSecondP50)} ms | p99 {Ms(s, s.LastSecondP99)} ms | in flight {s.InFlight} | requests {s.Requests} | errors {Errors(s.ErrorsByKind)} | dropped {s.Dropped}");

    static string Errors(IReadOnlyDictionary<string, long> errors) =>
        errors.Count == 0 ? "0" : string.Join(", ", errors.Select(e => $"{e.Key}: {e.Value}"));

    static void Fill(Table table, ProgressSnapshot s)
    {
        table.Rows.Clear();
        table.Title = new TableTitle($"{Markup.Escape(s.Scenario)}{(s.WarmingUp ? " (warm-up)" : "")}");
        table.AddRow("elapsed / remaining", $"{s.Elapsed:0.0} s / {s.Remaining:0.0} s");
        table.AddRow("requests/s (last second)", HasWholeSecond(s) ? Rate(s) : "– (first second)");
        table.AddRow("p50 / p99 (last second)", $"{Ms(s, s.LastSecondP50)} ms / {Ms(s, s.LastSecondP99)} ms");
        table.AddRow("in flight", s.InFlight.ToString(CultureInfo.InvariantCulture));
        table.AddRow("requests", s.Requests.ToString(CultureInfo.InvariantCulture));
        table.AddRow("errors by status", Markup.Escape(Errors(s.ErrorsByKind)));
        table.AddRow("dropped (could not start on time)", s.Dropped.ToString(CultureInfo.InvariantCulture));
    }

    public void Summary(RunResult r)
    {
        var rows = SummaryRows(r);
        if (interactive)
        {
            var table = new Table().Border(TableBorder.Rounded).Title($"{Markup.Escape(r.Scenario)}: summary")
                .AddColumn("measure").AddColumn(new TableColumn(r.OpenModel ? "from intended start" : "latency").RightAligned());
            if (r.OpenModel) table.AddColumn(new TableColumn("from actual send").RightAligned());
            foreach (var (name, corrected, raw) in rows)
                table.AddRow(r.OpenModel ? [name, corrected, raw] : [name, corrected]);
            AnsiConsole.Write(table);
        }
        else
        {
            output.WriteLine($"{"measure",-12} {(r.OpenModel ? "intended" : "latency"),14}{(r.OpenModel ? $" {"raw send",14}" : "")}");
            foreach (var (name, corrected, raw) in rows)
                output.WriteLine($"{name,-12} {corrected,14}{(r.OpenModel ? $" {raw,14}" : "")}");
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests: {r.Requests} in {r.Seconds:0.0} s ({r.StopReason})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests/s: {r.RequestsPerSecond:0.0}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency ms{(r.OpenModel ? " (from intended start)" : "")}: p50 {r.Corrected.P50:0.0} p90 {r.Corrected.P90:0.0} p95 {r.Corrected.P95:0.0} p99 {r.Corrected.P99:0.0} max {r.Corrected.Max:0.0}"));
        if (r.OpenModel)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"latency ms (from actual send): p50 {r.Raw.P50:0.0} p90 {r.Raw.P90:0.0} p95 {r.Raw.P95:0.0} p99 {r.Raw.P99:0.0} max {r.Raw.Max:0.0}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"errors: {r.Errors} ({r.ErrorPercent:0.###}%){(r.ErrorsByKind.Count > 0 ? " " + Errors(r.ErrorsByKind) : "")}"));
        output.WriteLine($"dropped: {r.Dropped}");
        foreach (var t in r.Thresholds)
            output.WriteLine($"threshold {(t.Passed ? "passed" : "FAILED")}: {t.Describe()}");
    }

    static List<(string Name, string Corrected, string Raw)> SummaryRows(RunResult r)
    {
        static string Ms(double v) => v.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
        return
        [
            ("p50", Ms(r.Corrected.P50), Ms(r.Raw.P50)),
            ("p75", Ms(r.Corrected.P75), Ms(r.Raw.P75)),
            ("p90", Ms(r.Corrected.P90), Ms(r.Raw.P90)),
            ("p95", Ms(r.Corrected.P95), Ms(r.Raw.P95)),
            ("p99", Ms(r.Corrected.P99), Ms(r.Raw.P99)),
            ("p99.9", Ms(r.Corrected.P999), Ms(r.Raw.P999)),
            ("max", Ms(r.Corrected.Max), Ms(r.Raw.Max)),
            ("mean", Ms(r.Corrected.Mean), Ms(r.Raw.Mean)),
        ];
    }
}
