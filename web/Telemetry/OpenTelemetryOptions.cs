using LiveDash.Admin;
using LiveDash.Site;

namespace LiveDash.Telemetry;

/// <summary>Section "OpenTelemetry": what the store needs beside the standard OTEL_* variables (the library wires the SDK).</summary>
public sealed class OpenTelemetryOptions : IValidatedOptions
{
    public const string Section = "OpenTelemetry";

    /// <summary>A trace viewer's page (the Aspire dashboard that <c>./livedash up --otel</c> starts), linked from /dashboard when set.</summary>
    public string? DashboardUrl { get; set; }

    public IEnumerable<string> Validate(string section)
    {
        if (DashboardUrl is { Length: > 0 } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            yield return $"{section}:DashboardUrl must be an absolute http(s) URL, got '{ApiProblem.Excerpt(url)}'";
    }
}
