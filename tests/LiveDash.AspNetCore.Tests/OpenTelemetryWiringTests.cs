using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace LiveDash.AspNetCore.Tests;

/// <summary>The library's OpenTelemetry wiring composes with a host's: its hook and a second AddOpenTelemetry() land on one tracer provider.</summary>
public class OpenTelemetryWiringTests
{
    [Fact]
    public void TheHostsInstrumentationJoinsLiveDashsTracerProvider()
    {
        var hooked = "livedash-test-hook-" + Guid.NewGuid().ToString("N")[..8];
        var separate = "livedash-test-own-" + Guid.NewGuid().ToString("N")[..8];
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddOptions<LiveDashOptions>();
        // As AddLiveDash does with OTEL_EXPORTER_OTLP_ENDPOINT set, then the host's WithOpenTelemetry(...).
        new LiveDashBuilder(services, LiveDashOpenTelemetry.Add(services)).WithOpenTelemetry(otel => otel.WithTracing(t => t.AddSource(hooked)));
        services.AddOpenTelemetry().WithTracing(t => t.AddSource(separate));
        using var provider = services.BuildServiceProvider();
        using var tracer = provider.GetRequiredService<TracerProvider>();

        using var liveDash = new ActivitySource(TelemetryActivities.SourceName);
        using var fromHook = new ActivitySource(hooked);
        using var fromHost = new ActivitySource(separate);
        using (var a = liveDash.StartActivity("livedash")) Assert.NotNull(a);
        using (var b = fromHook.StartActivity("hooked")) Assert.NotNull(b);
        using (var c = fromHost.StartActivity("own")) Assert.NotNull(c);
        using var unknown = new ActivitySource("livedash-test-unlistened-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Null(unknown.StartActivity("nobody listens"));
    }

    [Fact]
    public void WithoutTheEndpointVariableOrWithExportOffNothingIsRegistered()
    {
        static bool Registered(Action<LiveDashOptions>? configure) =>
            new ServiceCollection().AddLiveDash(configure).Services.Any(d => d.ServiceType == typeof(TracerProvider));
        var endpointSet = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(LiveDashOpenTelemetry.EndpointVariable));
        Assert.Equal(endpointSet, Registered(null));
        Assert.False(Registered(o => o.OpenTelemetry = LiveDashOpenTelemetryMode.Off));
        Assert.False(Registered(o => o.Enabled = false));
    }

    [Theory]
    [InlineData(null, null, 1.0)]
    [InlineData("parentbased_traceidratio", "0.1", 0.1)]
    [InlineData("traceidratio", "0.25", 0.25)]
    [InlineData("parentbased_traceidratio", "not a number", 1.0)]
    [InlineData("always_off", null, 0.0)]
    [InlineData("PARENTBASED_ALWAYS_ON", null, 1.0)]
    public void TheSamplerVariablesChooseTheShareOfRequestsTraced(string? sampler, string? arg, double expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_TRACES_SAMPLER"] = sampler, ["OTEL_TRACES_SAMPLER_ARG"] = arg,
        }).Build();
        var chosen = LiveDashOpenTelemetry.Sampler(configuration);
        // 4,000 server spans with no parent, random trace ids: the share kept is the ratio (±2 %); a client span is never kept.
        var kept = Enumerable.Range(0, 4000).Count(_ => chosen.ShouldSample(new SamplingParameters(default, ActivityTraceId.CreateRandom(), "GET /", ActivityKind.Server)).Decision == SamplingDecision.RecordAndSample);
        Assert.InRange(kept / 4000.0, expected - 0.02, expected + 0.02);
        Assert.Equal(SamplingDecision.Drop, chosen.ShouldSample(new SamplingParameters(default, ActivityTraceId.CreateRandom(), "poll", ActivityKind.Client)).Decision);
        // Under a sampled parent, every kind but "off" keeps the child (a sampled request's spans stay whole).
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var child = chosen.ShouldSample(new SamplingParameters(parent, parent.TraceId, "db", ActivityKind.Client)).Decision;
        Assert.Equal(expected > 0 && sampler != "traceidratio" ? SamplingDecision.RecordAndSample : SamplingDecision.Drop, child);
    }
}
