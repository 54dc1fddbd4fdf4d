using LiveDash.AspNetCore;
using LiveDash.Telemetry;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Npgsql;

namespace LiveDash.Farm;

/// <summary>
/// On every telemetry tick (4×/s): turns it into a <see cref="FarmTick"/>, adds it to this instance's view of the
/// farm, publishes the farm frame to the farm panels and hands the tick to its own sender thread, which NOTIFYs
/// the other instances with the blocking driver API (a starved thread pool or a slow database never delays the
/// ticker). Unsent ticks wait in a small queue and go out together in order, so a slow NOTIFY (the first one opens
/// a connection) loses no request from the others' totals; only when the database stays away for longer than the
/// queue holds are the oldest dropped. On stop it says goodbye, so the others show it gone at once.
/// </summary>
sealed class FarmPublisher(
    LiveDashFeed feed,
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
    /// <summary>Ticks not yet sent: 10 s of them at most.</summary>
    internal const int MaxUnsent = 40;
    readonly System.Collections.Concurrent.ConcurrentQueue<string> _unsent = new();
    readonly List<string> _sending = new(MaxUnsent);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        feed.TickCollected += OnCollected;
        new Thread(SendLoop) { IsBackground = true, Name = "LiveDash farm publisher" }.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        feed.TickCollected -= OnCollected;
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
        _unsent.Enqueue(FarmMessage.Tick(FarmTickCodec.Encode(farmTick, snapshot)));
        while (_unsent.Count > MaxUnsent) _unsent.TryDequeue(out _);
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
                _sending.Clear();
                while (_sending.Count < MaxUnsent && _unsent.TryDequeue(out var payload)) _sending.Add(payload);
                if (_sending.Count == 0) continue;
                try
                {
                    Notify(_sending);
                    if (failing) logger.LogInformation("Publishing to the farm again");
                    failing = false;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    if (!failing) logger.LogWarning("Cannot publish telemetry to the farm (ticks are dropped until the database answers): {Message}", e.Message);
                    failing = true;
                }
            }
            Notify([FarmMessage.Bye(farm.Instance)]);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
        }
        finally
        {
            _senderDone.TrySetResult();
        }
    }

    /// <summary>One round trip for all of them; in one transaction, so they arrive together and in order.</summary>
    void Notify(IReadOnlyList<string> payloads)
    {
        using var batch = database.DataSource.CreateBatch();
        foreach (var payload in payloads)
        {
            var notify = new NpgsqlBatchCommand(FarmSql.Notify);
            notify.Parameters.Add(new() { Value = farm.Channel });
            notify.Parameters.Add(new() { Value = payload });
            batch.BatchCommands.Add(notify);
        }
        batch.ExecuteNonQuery();
    }
}
