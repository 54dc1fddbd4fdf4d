using Npgsql;

namespace LiveDash.Farm;

/// <summary>Another feature's messages on the farm's channel (the load runs): the listener hands it those of its kinds, on its thread.</summary>
public interface IFarmChannelReader
{
    bool Reads(char kind);
    void Read(char kind, string body);
}

/// <summary>
/// LISTENs on the farm's channel on one dedicated connection and hands each notification on: settings to
/// <see cref="FarmSettingsSync"/>, ticks to <see cref="FarmState"/>. After every (re)connect it re-reads the
/// settings, since notifications sent while it was away are lost.
/// </summary>
public sealed class FarmListener(
    FarmStatus farm,
    FarmDatabase database,
    FarmSettingsSync settingsSync,
    FarmState state,
    IEnumerable<IFarmChannelReader> readers,
    ILogger<FarmListener> logger) : IHostedService
{
    readonly CancellationTokenSource _stopping = new();
    Thread? _thread;
    volatile bool _listening;

    public bool Listening => _listening;

    // Its own thread with the blocking driver API: a starved thread pool (the very thing LiveDash shows) must not
    // delay a settings change, and the sync Wait needs no pool thread to wake up.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _thread = new Thread(ListenLoop) { IsBackground = true, Name = "LiveDash farm listener" };
        _thread.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    void ListenLoop()
    {
        var stop = _stopping.Token;
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var connection = new NpgsqlConnection(database.ListenConnectionString);
                connection.Open();
                connection.Notification += OnNotification;
                using (var listen = new NpgsqlCommand($"LISTEN {farm.Channel}", connection)) listen.ExecuteNonQuery();
                _listening = true;
                if (failures > 0) logger.LogInformation("Listening to the farm '{Farm}' again", farm.Farm);
                failures = 0;
                settingsSync.Load(startup: false);
                // Wakes at least twice a second to notice stopping; notifications are handled the moment they arrive.
                while (!stop.IsCancellationRequested) connection.Wait(500);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
            {
                _listening = false;
                if (failures++ == 0 && !stop.IsCancellationRequested)
                    logger.LogWarning("Lost the farm's notification channel; reconnecting every second: {Message}", e.Message);
                stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            }
        }
        _listening = false;
    }

    void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        var payload = e.Payload;
        if (payload.Length < 2) return;
        var body = payload[1..];
        try
        {
            switch (payload[0])
            {
                case FarmMessage.TickKind:
                    if (FarmTickCodec.Decode(body) is { } tick && tick.Instance != farm.Instance) state.Add(tick);
                    break;
                case FarmMessage.SettingsKind:
                    if (FarmMessage.TryReadSettings(body, out var version, out var from, out var document))
                        settingsSync.OnRemoteSettings(version, from, document);
                    break;
                case FarmMessage.ResetKind:
                    if (FarmMessage.ReadFrom(body) is { } resetBy) settingsSync.OnRemoteReset(resetBy);
                    break;
                case FarmMessage.ByeKind:
                    if (FarmMessage.ReadFrom(body) is { } leaving && leaving != farm.Instance) state.Bye(leaving);
                    break;
                default:
                    foreach (var reader in readers)
                        if (reader.Reads(payload[0])) reader.Read(payload[0], body);
                    break;
            }
        }
        catch (Exception ex)
        {
            // A bad message from one instance must not end the listener for all.
            logger.LogWarning("Ignored a farm notification: {Message}", ex.Message);
        }
    }
}
