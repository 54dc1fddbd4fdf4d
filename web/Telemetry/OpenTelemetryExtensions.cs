using LiveDash.Admin;
using LiveDash.Site;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LiveDash.Telemetry;

/// <summary>Section "OpenTelemetry": what LiveDash itself needs to know beside the standard OTEL_* variables.</summary>
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

/// <summary>
/// OTLP export of traces, metrics and logs through the OpenTelemetry SDK, only when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set (the SDK reads it, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME and
/// OTEL_RESOURCE_ATTRIBUTES itself). Unset, nothing is registered: no listener, no span, no export.
/// </summary>
public static class OpenTelemetryExtensions
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    /// <summary>service.name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one.</summary>
    public const string DefaultServiceName = "LiveDash";
    const string QueueSizeVariable = "OTEL_BSP_MAX_QUEUE_SIZE";
    const int DefaultQueueSize = 65_536;

    public static bool AddLiveDashOpenTelemetry(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<OpenTelemetryOptions>(OpenTelemetryOptions.Section);
        var configuration = builder.Configuration;
        if (string.IsNullOrWhiteSpace(configuration[EndpointVariable])) return false;
        var instance = builder.AddValidatedOptions<LiveDashOptions>(LiveDashOptions.Section, LiveDashOptions.Fallback).Instance;
        var attributes = ResourceAttributes(configuration, instance);
        // A starved pool sends its spans late (the exporter's HTTP calls wait for threads too), while a request
        // makes four or more: the SDK's default queue of 2,048 spans would drop most of a starved second's.
        if (string.IsNullOrWhiteSpace(configuration[QueueSizeVariable]))
            configuration.AddInMemoryCollection([new(QueueSizeVariable, DefaultQueueSize.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddAttributes(attributes))
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new RequestsSampler()))
                .AddSource(TelemetryActivities.SourceName)
                // A hub connection (the dashboard's) lasts as long as the page is open: not a request to trace.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/hubs"))
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(LiveDash.AspNetCore.LiveDashFeed.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation())
            .WithLogging()
            .UseOtlpExporter();
        return true;
    }

    /// <summary>service.name and service.instance.id (each instance of a farm its own), unless the standard variables give them.</summary>
    internal static Dictionary<string, object> ResourceAttributes(IConfiguration configuration, string? instance)
    {
        var given = configuration["OTEL_RESOURCE_ATTRIBUTES"] ?? "";
        bool Given(string key) => given.Split(',').Any(pair => pair.Split('=', 2)[0].Trim() == key);
        var attributes = new Dictionary<string, object>();
        if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]) && !Given("service.name"))
            attributes["service.name"] = DefaultServiceName;
        if (!Given("service.instance.id"))
            attributes["service.instance.id"] = string.IsNullOrWhiteSpace(instance) ? $"{Environment.MachineName}-{Environment.ProcessId}" : instance;
        return attributes;
    }
}

/// <summary>
/// Traces requests: a span with no parent is kept unless it is a client call (the farm's listener and the
/// dashboard's figures query the database every second outside any request; those would be noise).
/// </summary>
sealed class RequestsSampler : Sampler
{
    public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
        new(parameters.Kind == System.Diagnostics.ActivityKind.Client ? SamplingDecision.Drop : SamplingDecision.RecordAndSample);
}
