using Npgsql;

namespace LiveDash.Farm;

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
    ILogger<FarmListener> logger) : BackgroundService
{
    volatile bool _listening;

    public bool Listening => _listening;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var retry = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(database.ListenConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {farm.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                _listening = true;
                if (failures > 0) logger.LogInformation("Listening to the farm '{Farm}' again", farm.Farm);
                failures = 0;
                await settingsSync.LoadAsync(startup: false, stoppingToken);
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
            {
                _listening = false;
                if (failures++ == 0) logger.LogWarning("Lost the farm's notification channel; reconnecting every second: {Message}", e.Message);
            }
            try
            {
                await retry.WaitForNextTickAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
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
            }
        }
        catch (Exception ex)
        {
            // A bad message from one instance must not end the listener for all.
            logger.LogWarning("Ignored a farm notification: {Message}", ex.Message);
        }
    }
}
