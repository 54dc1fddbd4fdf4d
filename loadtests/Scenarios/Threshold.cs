using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveDash.LoadTests.Scenarios;

/// <summary>A pass/fail rule on the run's totals, written like "p99 &lt; 500ms", "errors &lt; 1%", "rps &gt; 100".</summary>
public sealed partial record Threshold(string Text, string Metric, string Operator, double Limit)
{
    public const string Allowed = "\"<metric> <op> <value>\" with metric p50, p75, p90, p95, p99, p99.9, max, mean (value in ms or s), errors (value in % or a count), dropped (% or count), rps; op <, <=, >, >=";

    [GeneratedRegex(@"^\s*(p50|p75|p90|p95|p99|p99\.9|max|mean|errors|dropped|rps)\s*(<=|>=|<|>)\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|%)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Grammar();

    public static bool TryParse(string text, out Threshold? threshold)
    {
        threshold = null;
        var match = Grammar().Match(text);
        if (!match.Success) return false;
        var metric = match.Groups[1].Value.ToLowerInvariant();
        var value = double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups[4].Value.ToLowerInvariant();
        var isLatency = metric.StartsWith('p') || metric is "max" or "mean";
        if (isLatency)
        {
            if (unit is "%") return false;
            if (unit is "s") value *= 1000;
        }
        else if (metric is "errors" or "dropped")
        {
            if (unit is "ms" or "s") return false;
            if (unit is "%") metric += "%";
        }
        else if (unit.Length > 0) return false;
        threshold = new Threshold(text.Trim(), metric, match.Groups[2].Value, value);
        return true;
    }

    public bool Passes(double measured) => Operator switch
    {
        "<" => measured < Limit,
        "<=" => measured <= Limit,
        ">" => measured > Limit,
        _ => measured >= Limit,
    };
}
