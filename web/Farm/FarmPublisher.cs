using LiveDash.Telemetry;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Npgsql;

namespace LiveDash.Farm;

/// <summary>
/// On every telemetry tick (4×/s): turns it into a <see cref="FarmTick"/>, adds it to this instance's view of the
/// farm, publishes the farm frame to the farm panels and hands the tick to its own sender thread, which NOTIFYs
/// the other instances with the blocking driver API (a starved thread pool or a slow database never delays the
/// ticker; only the newest unsent tick is kept). On stop it says goodbye, so the others show it gone at once.
/// </summary>
public sealed class FarmPublisher(
    TelemetryAggregator aggregator,
    FarmStatus farm,
    FarmDatabase database,
    FarmState state,
    FarmBroadcaster broadcaster,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<FarmPublisher> logger) : IHostedService
{
    readonly AutoResetEvent _ready = new(false);
    readonly CancellationTokenSource _stopping = new();
    readonly TaskCompletionSource _senderDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    string? _next;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        aggregator.Collected += OnCollected;
        new Thread(SendLoop) { IsBackground = true, Name = "LiveDash farm publisher" }.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        aggregator.Collected -= OnCollected;
        _stopping.Cancel();
        _ready.Set();
        try
        {
            await _senderDone.Task.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
        }
    }

    void OnCollected(Tick tick, LatencyHistogram endToEnd)
    {
        // Before the server has started its addresses may still be the configured ones (port 0), not the bound ones.
        if (farm.Url.Length == 0 && lifetime.ApplicationStarted.IsCancellationRequested) farm.Url = OwnUrl();
        var snapshot = endToEnd.TakeSnapshot();
        var farmTick = FarmTickCodec.From(tick, snapshot, farm.Instance, farm.Url);
        state.Add(farmTick);
        broadcaster.Publish(state.Compose(tick.UnixMs));
        Volatile.Write(ref _next, FarmMessage.Tick(FarmTickCodec.Encode(farmTick, snapshot)));
        _ready.Set();
    }

    string OwnUrl()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return address is null ? "" : address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1");
    }

    void SendLoop()
    {
        var failing = false;
        try
        {
            while (true)
            {
                _ready.WaitOne();
                if (_stopping.IsCancellationRequested) break;
                if (Interlocked.Exchange(ref _next, null) is not { } payload) continue;
                try
                {
                    Notify(payload);
                    if (failing) logger.LogInformation("Publishing to the farm again");
                    failing = false;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    if (!failing) logger.LogWarning("Cannot publish telemetry to the farm (ticks are dropped until the database answers): {Message}", e.Message);
                    failing = true;
                }
            }
            Notify(FarmMessage.Bye(farm.Instance));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
        }
        finally
        {
            _senderDone.TrySetResult();
        }
    }

    void Notify(string payload)
    {
        using var notify = database.DataSource.CreateCommand(FarmSql.Notify);
        notify.Parameters.Add(new() { Value = farm.Channel });
        notify.Parameters.Add(new() { Value = payload });
        notify.ExecuteNonQuery();
    }
}
