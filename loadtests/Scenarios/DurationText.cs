using System.Globalization;

namespace LiveDash.LoadTests.Scenarios;

/// <summary>Durations as people write them: "250ms", "30s", "2m", "1h", or a bare number of seconds.</summary>
public static class DurationText
{
    public const string Allowed = "a number of seconds or text like \"250ms\", \"30s\", \"2m\", \"1h\"";

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim().ToLowerInvariant();
        var (number, unit) = text switch
        {
            _ when text.EndsWith("ms") => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsInfinity(value)) return false;
        duration = TimeSpan.FromSeconds(value * unit);
        return true;
    }

    public static string Format(TimeSpan duration) => duration switch
    {
        { TotalMilliseconds: < 1000 } => $"{duration.TotalMilliseconds:0.#}ms",
        { TotalSeconds: < 120 } => $"{duration.TotalSeconds:0.##}s",
        _ => $"{duration.TotalMinutes:0.##}m",
    };
}
