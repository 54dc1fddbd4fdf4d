using System.Globalization;

namespace LiveDash.Contracts;

/// <summary>
/// The <c>X-LiveDash-Sent</c> request header: when the client sent the request, in Unix milliseconds with three
/// decimals. LiveDash's load runner writes it; the dashboard's middleware reads it to draw the wait before the
/// server (same machine, same clock); other clients send none.
/// </summary>
public static class SentHeader
{
    /// <summary>The header's name.</summary>
    public const string Name = "X-LiveDash-Sent";

    /// <summary>The header's value for a request sent at <paramref name="utcNow"/>.</summary>
    public static string Format(DateTime utcNow) =>
        (utcNow - DateTime.UnixEpoch).TotalMilliseconds.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>The send time in Unix milliseconds, or false when the value is not a number.</summary>
    public static bool TryParse(string? value, out double sentUnixMs) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out sentUnixMs);
}
