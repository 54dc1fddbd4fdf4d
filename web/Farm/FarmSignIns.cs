using System.Collections.Concurrent;
using LiveDash.Admin;
using Npgsql;

namespace LiveDash.Farm;

/// <summary>
/// One sign-in throttle for the whole farm: every failed admin sign-in here is NOTIFYed to the other instances, and
/// theirs are counted here, so a guesser's tries count together whichever instance the proxy sends them to. Sends go
/// out on a dedicated thread with the blocking driver API, like the farm's ticks; a full queue drops (failures are
/// still counted here). A notification may trail the request by milliseconds, so a try or two more may pass.
/// </summary>
public sealed class FarmSignIns(SignInThrottle throttle, FarmStatus farm, FarmDatabase database, ILogger<FarmSignIns> log)
    : IHostedService, IFarmChannelReader
{
    readonly BlockingCollection<string> _outgoing = new(256);
    readonly CancellationTokenSource _stopping = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        throttle.FailureRecorded += OnFailure;
        new Thread(SendLoop) { IsBackground = true, Name = "LiveDash farm sign-ins" }.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        throttle.FailureRecorded -= OnFailure;
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    void OnFailure(string address) => _outgoing.TryAdd(FarmMessage.SignInFailure(farm.Instance, address));

    public bool Reads(char kind) => kind == FarmMessage.SignInFailureKind;

    public void Read(char kind, string body)
    {
        if (FarmMessage.TryReadSignInFailure(body, out var from, out var address) && from != farm.Instance) throttle.RecordFarmFailure(address);
    }

    void SendLoop()
    {
        var stop = _stopping.Token;
        var failing = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var payload = _outgoing.Take(stop);
                using var notify = database.DataSource.CreateCommand(FarmSql.Notify);
                notify.Parameters.Add(new() { Value = farm.Channel });
                notify.Parameters.Add(new() { Value = payload });
                notify.ExecuteNonQuery();
                failing = false;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                if (!failing) log.LogWarning("Cannot tell the farm about failed sign-ins until the database answers (each instance counts its own): {Message}", e.Message);
                failing = true;
                stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            }
        }
    }
}
