using LiveDash.Telemetry;
using Microsoft.Extensions.Configuration;

namespace LiveDash.Tests.Telemetry;

/// <summary>The share of requests traced that /dashboard shows beside its OpenTelemetry link, read as the library reads it.</summary>
public class TraceSamplingTests
{
    [Theory]
    [InlineData(null, null, "parentbased_always_on", 1.0)]
    [InlineData("parentbased_traceidratio", "0.1", "parentbased_traceidratio", 0.1)]   // what ./livedash up --otel sets
    [InlineData("TraceIdRatio", "0.5", "traceidratio", 0.5)]
    [InlineData("traceidratio", "2", "traceidratio", 1.0)]   // out of range: the spec's default
    [InlineData("always_off", null, "always_off", 0.0)]
    [InlineData("parentbased_always_on", "0.1", "parentbased_always_on", 1.0)]
    public void TheDashboardShowsTheSamplerTheLibraryApplies(string? sampler, string? arg, string shown, double ratio)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_TRACES_SAMPLER"] = sampler, ["OTEL_TRACES_SAMPLER_ARG"] = arg,
        }).Build();
        Assert.Equal((shown, ratio), OpenTelemetryOptions.TraceSampling(configuration));
    }
}
