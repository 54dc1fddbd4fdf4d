using System.Threading.Channels;
using LiveDash.Telemetry;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Npgsql;

namespace LiveDash.Farm;

/// <summary>
/// On every telemetry tick (4×/s): turns it into a <see cref="FarmTick"/>, adds it to this instance's view of the
/// farm, publishes the farm frame to the farm panels and NOTIFYs the tick to the other instances. The NOTIFY
/// goes out from its own loop, so a slow database never delays the ticker; a tick that cannot go out is dropped.
/// </summary>
public sealed class FarmPublisher(
    TelemetryAggregator aggregator,
    FarmStatus farm,
    FarmDatabase database,
    FarmState state,
    FarmBroadcaster broadcaster,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<FarmPublisher> logger) : BackgroundService
{
    readonly Channel<string> _outbox = Channel.CreateBounded<string>(new BoundedChannelOptions(4)
    { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true });

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        aggregator.Collected += OnCollected;
        return base.StartAsync(cancellationToken);
    }

    void OnCollected(Tick tick, LatencyHistogram endToEnd)
    {
        // Before the server has started its addresses may still be the configured ones (port 0), not the bound ones.
        if (farm.Url.Length == 0 && lifetime.ApplicationStarted.IsCancellationRequested) farm.Url = OwnUrl();
        var snapshot = endToEnd.TakeSnapshot();
        var farmTick = FarmTickCodec.From(tick, snapshot, farm.Instance, farm.Url);
        state.Add(farmTick);
        broadcaster.Publish(state.Compose(tick.UnixMs));
        _outbox.Writer.TryWrite(FarmMessage.Tick(FarmTickCodec.Encode(farmTick, snapshot)));
    }

    string OwnUrl()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return address is null ? "" : address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failing = false;
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(stoppingToken))
                while (_outbox.Reader.TryRead(out var payload))
                {
                    try
                    {
                        await NotifyAsync(payload, stoppingToken);
                        if (failing) logger.LogInformation("Publishing to the farm again");
                        failing = false;
                    }
                    catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
                    {
                        if (!failing) logger.LogWarning("Cannot publish telemetry to the farm (ticks are dropped until the database answers): {Message}", e.Message);
                        failing = true;
                    }
                }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        aggregator.Collected -= OnCollected;
        await base.StopAsync(cancellationToken);
        // Tell the others at once rather than letting them time us out.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await NotifyAsync(FarmMessage.Bye(farm.Instance), bounded.Token);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
        }
    }

    async Task NotifyAsync(string payload, CancellationToken ct)
    {
        await using var notify = database.DataSource.CreateCommand(FarmSql.Notify);
        notify.Parameters.Add(new() { Value = farm.Channel });
        notify.Parameters.Add(new() { Value = payload });
        await notify.ExecuteNonQueryAsync(ct);
    }
}
