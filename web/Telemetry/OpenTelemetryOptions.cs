using LiveDash.Admin;
using LiveDash.Site;

namespace LiveDash.Telemetry;

/// <summary>Section "OpenTelemetry": what the store needs beside the standard OTEL_* variables (the library wires the SDK).</summary>
public sealed class OpenTelemetryOptions : IValidatedOptions
{
    public const string Section = "OpenTelemetry";

    /// <summary>A trace viewer's page (the Aspire dashboard that <c>./livedash up --otel</c> starts), linked from /dashboard when set.</summary>
    public string? DashboardUrl { get; set; }

    /// <summary>
    /// The share of requests traced, as the library reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (up --otel
    /// sets parentbased_traceidratio and 0.1 unless the user chose a sampler): 1 when unset, 0 for the "off" kinds.
    /// </summary>
    public static (string Sampler, double Ratio) TraceSampling(IConfiguration configuration)
    {
        var sampler = configuration["OTEL_TRACES_SAMPLER"]?.Trim().ToLowerInvariant() is { Length: > 0 } s ? s : "parentbased_always_on";
        var ratio = double.TryParse(configuration["OTEL_TRACES_SAMPLER_ARG"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1 ? r : 1.0;
        return (sampler, sampler.EndsWith("traceidratio", StringComparison.Ordinal) ? ratio : sampler.EndsWith("always_off", StringComparison.Ordinal) ? 0 : 1);
    }

    public IEnumerable<string> Validate(string section)
    {
        if (DashboardUrl is { Length: > 0 } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            yield return $"{section}:DashboardUrl must be an absolute http(s) URL, got '{ApiProblem.Excerpt(url)}'";
    }
}
