using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;

namespace LiveDash.AspNetCore;

/// <summary>
/// What <c>AddLiveDash</c> returns: the host chains its labels, gauges and OpenTelemetry instrumentation onto it,
/// e.g. <c>services.AddLiveDash().AddLabels&lt;MyLabels&gt;().AddGauges&lt;QueueGauges&gt;()</c>.
/// Registering the same singletons by hand works as well.
/// </summary>
public sealed class LiveDashBuilder
{
    readonly IOpenTelemetryBuilder? _openTelemetry;

    internal LiveDashBuilder(IServiceCollection services, IOpenTelemetryBuilder? openTelemetry)
    {
        Services = services;
        _openTelemetry = openTelemetry;
    }

    /// <summary>The host's services, for anything else to register.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Whether <c>AddLiveDash</c> wired the OpenTelemetry SDK (see <see cref="LiveDashOptions.OpenTelemetry"/>).</summary>
    public bool ExportsOpenTelemetry => _openTelemetry is not null;

    /// <summary>Labels requests with <typeparamref name="TLabels"/> (a singleton), in place of the default single label "all".</summary>
    /// <typeparam name="TLabels">The host's labels.</typeparam>
    /// <returns>This builder.</returns>
    public LiveDashBuilder AddLabels<TLabels>() where TLabels : class, ILiveDashLabels
    {
        Services.Replace(ServiceDescriptor.Singleton<ILiveDashLabels, TLabels>());
        return this;
    }

    /// <summary>Adds <typeparamref name="TGauges"/>' figures to every tick (a singleton; add as many as needed).</summary>
    /// <typeparam name="TGauges">The host's gauges.</typeparam>
    /// <returns>This builder.</returns>
    public LiveDashBuilder AddGauges<TGauges>() where TGauges : class, ILiveDashGauges
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILiveDashGauges, TGauges>());
        return this;
    }

    /// <summary>Adds <typeparamref name="TFields"/>' fields to the summary (a singleton; add as many as needed).</summary>
    /// <typeparam name="TFields">The host's summary fields.</typeparam>
    /// <returns>This builder.</returns>
    public LiveDashBuilder AddSummaryFields<TFields>() where TFields : class, ILiveDashSummaryFields
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILiveDashSummaryFields, TFields>());
        return this;
    }

    /// <summary>
    /// Adds the host's own instrumentation to the OpenTelemetry builder LiveDash wired, e.g.
    /// <c>otel => otel.WithTracing(t => t.AddNpgsql())</c>; does nothing when LiveDash did not wire it
    /// (<see cref="ExportsOpenTelemetry"/> false), so the host's instrumentation costs nothing when nothing exports.
    /// A host that wires OpenTelemetry itself sets <see cref="LiveDashOptions.OpenTelemetry"/> to Off and adds
    /// <see cref="TelemetryActivities.SourceName"/> and the meter <see cref="LiveDashFeed.MeterName"/> to its own providers.
    /// </summary>
    /// <param name="configure">Adds to the builder.</param>
    /// <returns>This builder.</returns>
    public LiveDashBuilder WithOpenTelemetry(Action<IOpenTelemetryBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        if (_openTelemetry is not null) configure(_openTelemetry);
        return this;
    }
}
