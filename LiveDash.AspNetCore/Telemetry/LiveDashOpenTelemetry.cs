using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LiveDash.AspNetCore;

/// <summary>
/// OTLP export of traces, metrics and logs through the OpenTelemetry SDK, registered by <c>AddLiveDash</c> only when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set (the SDK reads it, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME and
/// OTEL_RESOURCE_ATTRIBUTES itself) and <see cref="LiveDashOptions.OpenTelemetry"/> is Auto. Otherwise nothing is
/// registered: no listener, no span, no export, and a request pays one <see cref="ActivitySource.HasListeners"/> check.
/// </summary>
static class LiveDashOpenTelemetry
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    const string QueueSizeVariable = "OTEL_BSP_MAX_QUEUE_SIZE";
    const int DefaultQueueSize = 65_536;

    public static bool IsOn(LiveDashOptions options) =>
        options.Enabled && options.OpenTelemetry == LiveDashOpenTelemetryMode.Auto
        && !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EndpointVariable));

    /// <returns>The OpenTelemetry builder, for the host's own instrumentation (<see cref="LiveDashBuilder.WithOpenTelemetry"/>).</returns>
    public static IOpenTelemetryBuilder Add(IServiceCollection services)
    {
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddDetector(sp =>
                new DefaultsDetector(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IOptions<LiveDashOptions>>().Value)))
            .WithTracing(tracing => tracing
                .SetSampler(sp => Sampler(sp.GetRequiredService<IConfiguration>()))
                .AddSource(TelemetryActivities.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => context.RequestServices.GetRequiredService<UnmeasuredPaths>().Traced(context)))
            .WithMetrics(metrics => metrics
                .AddMeter(LiveDashFeed.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation())
            .WithLogging()
            .UseOtlpExporter();
        // A starved pool sends its spans late (the exporter's HTTP calls wait for threads too), while a request makes
        // four or more: the SDK's default queue of 2,048 spans would drop most of a starved second's.
        services.AddOptions<ActivityExportProcessorOptions>().Configure<IConfiguration>((processor, configuration) =>
        {
            if (string.IsNullOrWhiteSpace(configuration[QueueSizeVariable])) processor.BatchExportProcessorOptions.MaxQueueSize = DefaultQueueSize;
        });
        return builder;
    }

    /// <summary>
    /// The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG ask for (the SDK reads them only when no sampler is
    /// set in code, and this one is), each "on" kind keeping <see cref="RequestsSampler"/>'s rule for spans with no
    /// parent: parentbased_traceidratio with 0.1 keeps a tenth of the requests' traces, whole. Unset or unknown:
    /// every request's trace (parentbased_always_on).
    /// </summary>
    internal static Sampler Sampler(IConfiguration configuration)
    {
        var ratio = double.TryParse(configuration[SamplerArgVariable], NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1 ? r : 1.0;
        return configuration[SamplerVariable]?.Trim().ToLowerInvariant() switch
        {
            "always_on" => new RequestsSampler(1),
            "always_off" => new AlwaysOffSampler(),
            "traceidratio" => new RequestsSampler(ratio),
            "parentbased_always_off" => new ParentBasedSampler(new AlwaysOffSampler()),
            "parentbased_traceidratio" => new ParentBasedSampler(new RequestsSampler(ratio)),
            _ => new ParentBasedSampler(new RequestsSampler(1)),
        };
    }

    const string SamplerVariable = "OTEL_TRACES_SAMPLER";
    const string SamplerArgVariable = "OTEL_TRACES_SAMPLER_ARG";

    /// <summary>service.name and service.instance.id (each instance of a farm its own), unless the standard variables give them.</summary>
    internal static Dictionary<string, object> ResourceAttributes(IConfiguration configuration, LiveDashOptions options)
    {
        var given = configuration["OTEL_RESOURCE_ATTRIBUTES"] ?? "";
        bool Given(string key) => given.Split(',').Any(pair => pair.Split('=', 2)[0].Trim() == key);
        var attributes = new Dictionary<string, object>();
        if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]) && !Given("service.name"))
            attributes["service.name"] = options.ServiceName ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "unknown_service:dotnet";
        if (!Given("service.instance.id"))
            attributes["service.instance.id"] = string.IsNullOrWhiteSpace(options.ServiceInstanceId)
                ? $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}" : options.ServiceInstanceId;
        return attributes;
    }

    sealed class DefaultsDetector(IConfiguration configuration, LiveDashOptions options) : IResourceDetector
    {
        public Resource Detect() => new(ResourceAttributes(configuration, options));
    }
}

/// <summary>
/// Traces requests: a span with no parent is kept unless it is a client call (a host's background work, e.g. a
/// database polled every second outside any request, would be noise); of those, the share <paramref name="ratio"/>
/// by trace id (the SDK's <see cref="TraceIdRatioBasedSampler"/>: the same traces on every instance).
/// </summary>
sealed class RequestsSampler(double ratio) : Sampler
{
    readonly TraceIdRatioBasedSampler? _ratio = ratio < 1 ? new TraceIdRatioBasedSampler(ratio) : null;

    public double Ratio => ratio;

    public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
        parameters.Kind == ActivityKind.Client ? new(SamplingDecision.Drop)
        : _ratio is { } sampled ? sampled.ShouldSample(parameters)
        : new(SamplingDecision.RecordAndSample);
}
