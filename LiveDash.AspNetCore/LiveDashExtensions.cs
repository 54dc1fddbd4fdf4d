using LiveDash.AspNetCore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The first of the three lines a host adds: <c>AddLiveDash</c> (then <c>UseLiveDash</c> and <c>MapLiveDash</c>).</summary>
public static class LiveDashServiceCollectionExtensions
{
    /// <summary>
    /// Registers the recorder, the 4 Hz ticker, the hub, the meter "LiveDash" and <see cref="LiveDashFeed"/>, and
    /// puts LiveDash's middleware first in the pipeline. Label requests with <see cref="LiveDashBuilder.AddLabels{T}"/>
    /// (or a singleton <see cref="ILiveDashLabels"/>) and add figures to the tick with <see cref="LiveDashBuilder.AddGauges{T}"/>
    /// (or singletons <see cref="ILiveDashGauges"/>). With OTEL_EXPORTER_OTLP_ENDPOINT set (and
    /// <see cref="LiveDashOptions.OpenTelemetry"/> Auto) it also wires the OpenTelemetry SDK: traces, metrics and logs over OTLP.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets <see cref="LiveDashOptions"/>; it runs once, here. A later
    /// <c>services.Configure&lt;LiveDashOptions&gt;(…)</c> applies on top (all but <see cref="LiveDashOptions.OpenTelemetry"/>).</param>
    /// <returns>A builder for the host's labels, gauges and OpenTelemetry instrumentation.</returns>
    public static LiveDashBuilder AddLiveDash(this IServiceCollection services, Action<LiveDashOptions>? configure = null)
    {
        var given = new LiveDashOptions();
        configure?.Invoke(given);
        services.AddOptions<LiveDashOptions>().Configure(given.CopyTo);
        var openTelemetry = LiveDashOpenTelemetry.IsOn(given) ? LiveDashOpenTelemetry.Add(services) : null;
        services.AddSignalR().AddJsonProtocol();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILiveDashLabels, LiveDashLabels>();
        services.TryAddSingleton<TelemetryInstruments>();
        services.TryAddSingleton(sp => new TelemetryRecorder(sp.GetRequiredService<ILiveDashLabels>().Names.Count, sp.GetRequiredService<TelemetryInstruments>()));
        services.TryAddSingleton<TickBroadcaster>();
        services.TryAddSingleton<RecentLatency>();
        services.TryAddSingleton<EndpointThreadTime>();
        services.TryAddSingleton<RecentThreadTime>();
        services.TryAddSingleton<TelemetryAggregator>();
        services.TryAddSingleton<TelemetryMetrics>();
        services.TryAddSingleton<UnmeasuredPaths>();
        services.TryAddSingleton(sp => new LiveDashFeed(sp.GetRequiredService<TelemetryRecorder>(), sp.GetRequiredService<RecentLatency>(),
            sp.GetRequiredService<TickBroadcaster>(), sp.GetRequiredService<TelemetryAggregator>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<RecentThreadTime>(), sp.GetRequiredService<EndpointThreadTime>().Routes));
        services.TryAddSingleton<IThreadRouteSource, ThreadRouteRecorder>();
        services.TryAddSingleton<BlockingCapture>();
        services.TryAddSingleton(sp => new ArrivalWatcher(sp.GetRequiredService<TelemetryRecorder>()));
        services.AddHostedService<TelemetryTicker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, LiveDashStartupFilter>());
        return new LiveDashBuilder(services, openTelemetry);
    }
}
