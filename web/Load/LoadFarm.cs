using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using LiveDash.Farm;
using Npgsql;

namespace LiveDash.Load;

/// <summary>
/// Makes agents and load runs farm-wide through the farm's PostgreSQL channel, as the settings are: every local
/// start, change, stop and every message from a local agent is applied here at once and NOTIFYed to the other
/// instances, which apply it to their copy of the run (<see cref="LoadEvent"/>); each instance announces the agents
/// whose sockets it holds every 500 ms. So any instance lists every agent and can read, steer, stop and report any
/// run, whichever instance the proxy picked. Sends go out on a dedicated thread with the blocking driver API, like
/// the farm's ticks; events arrive on the farm listener's thread. With no farm database (MongoDB) it does nothing.
/// </summary>
public sealed class LoadFarm(LoadRuns runs, LoadAgents agents, FarmStatus farm, IServiceProvider services, ILogger<LoadFarm> log)
    : IHostedService, IFarmChannelReader
{
    /// <summary>NOTIFY payloads are limited to 8000 bytes; longer events (a run's end with its histograms) go through a table.</summary>
    const int MaxInlineBytes = 7000;
    static readonly TimeSpan AnnounceEvery = TimeSpan.FromMilliseconds(500);
    static readonly TimeSpan BarrierLimit = TimeSpan.FromSeconds(3);
    static readonly TimeSpan ForgetGoneAfter = TimeSpan.FromMinutes(10);

    readonly FarmDatabase? _database = services.GetService<FarmDatabase>();
    readonly BlockingCollection<string> _outgoing = new(4096);
    readonly ConcurrentDictionary<long, TaskCompletionSource> _echoes = new();
    readonly CancellationTokenSource _stopping = new();
    readonly Lock _lock = new();
    readonly Dictionary<string, Remote> _remote = new(StringComparer.Ordinal);
    long _seq;

    sealed record Remote(long HeardAt, IReadOnlyList<AgentView> Agents, bool Gone = false);

    public bool Enabled => _database is not null && farm.Enabled;
    bool Listening => services.GetService<FarmListener>()?.Listening ?? false;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled) return Task.CompletedTask;
        runs.Farm = this;
        new Thread(SendLoop) { IsBackground = true, Name = "LiveDash farm load runs" }.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    /// <summary>Tells the other instances; never waits (a full queue drops the event and says so).</summary>
    public void Publish(LoadEvent e)
    {
        if (!Enabled) return;
        var json = (e with { By = farm.Instance, Seq = Interlocked.Increment(ref _seq) }).ToJson();
        if (!_outgoing.TryAdd(json)) log.LogWarning("Farm load channel: queue full, an event was not sent to the other instances");
    }

    /// <summary>Returns once every event NOTIFYed farm-wide before it has been applied here (a run just started through another instance, say).</summary>
    public async Task BarrierAsync(CancellationToken cancel)
    {
        if (!Enabled || !Listening) return;
        var seq = Interlocked.Increment(ref _seq);
        var echo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _echoes[seq] = echo;
        if (!_outgoing.TryAdd(new BarrierEvent { By = farm.Instance, Seq = seq }.ToJson())) { _echoes.TryRemove(seq, out _); return; }
        try
        {
            await echo.Task.WaitAsync(BarrierLimit, cancel);
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            _echoes.TryRemove(seq, out _);
        }
    }

    /// <summary>A run id unique across the farm (a database sequence), or null when the database does not answer.</summary>
    public async Task<string?> NextRunIdAsync(CancellationToken cancel)
    {
        if (_database is null) return null;
        try
        {
            await using var command = _database.DataSource.CreateCommand(FarmSql.NextRunId);
            return Convert.ToString(await command.ExecuteScalarAsync(cancel), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The agents other instances hold; those of an instance silent for 5 s are shown lost.</summary>
    public IReadOnlyList<AgentView> RemoteAgents()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
            return [.. _remote.Values.SelectMany(r => Stopwatch.GetElapsedTime(r.HeardAt, now) > LoadAgents.LostAfter
                ? r.Agents.Select(a => a with { State = AgentConnection.Lost, Run = null })
                : r.Agents)];
    }

    public AgentView? RemoteAgent(string name) => RemoteAgents().FirstOrDefault(a => a.Name == name && a.State != AgentConnection.Lost);

    /// <summary>Agents of instances that just fell silent (each once), so the runs they were in go on without them.</summary>
    public List<string> SweepRemote()
    {
        var lost = new List<string>();
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            foreach (var (instance, remote) in _remote.ToList())
            {
                var silence = Stopwatch.GetElapsedTime(remote.HeardAt, now);
                if (silence > ForgetGoneAfter) _remote.Remove(instance);
                else if (!remote.Gone && silence > LoadAgents.LostAfter)
                {
                    _remote[instance] = remote with { Gone = true };
                    lost.AddRange(remote.Agents.Where(a => a.State != AgentConnection.Lost).Select(a => a.Name));
                }
            }
        }
        return lost;
    }

    public bool Reads(char kind) => kind is FarmMessage.LoadKind or FarmMessage.LoadStoredKind;

    /// <summary>On the farm listener's thread, in the database's commit order.</summary>
    public void Read(char kind, string body)
    {
        var json = kind == FarmMessage.LoadStoredKind ? ReadStored(body) : body;
        if (json is null) return;
        if (LoadEvent.Parse(json, out var error) is not { } e)
        {
            log.LogWarning("Farm load channel: ignored a message that is not a load event ({Error}): {Start}", error, json[..Math.Min(json.Length, 200)]);
            return;
        }
        if (e.By == farm.Instance)
        {
            if (_echoes.TryRemove(e.Seq, out var echo)) echo.TrySetResult();
            return;   // applied here when it happened
        }
        switch (e)
        {
            case RunStartedEvent start:
                runs.ApplyStart(start.Id, start.Request, start.Agents);
                break;
            case RunChangedEvent change:
                if (runs.Find(change.Id) is { } changed) runs.ApplyChange(changed, change.Users, change.Rate, change.AgentLines);
                break;
            case RunStoppedEvent stop:
                if (runs.Find(stop.Id) is { } stopped) runs.ApplyStop(stopped, stop.Reason);
                break;
            case FromAgentEvent message:
                runs.ApplyFromAgent(message.Agent, message.Message);
                break;
            case AgentLostEvent lost:
                runs.ApplyLost(lost.Agent, lost.Reason);
                break;
            case AgentsHereEvent here:
                lock (_lock) _remote[e.By] = new Remote(Stopwatch.GetTimestamp(), here.Agents);
                break;
        }
    }

    string? ReadStored(string id)
    {
        if (_database is null || !long.TryParse(id, out var number)) return null;
        using var read = _database.DataSource.CreateCommand(FarmSql.ReadLoadEvent);
        read.Parameters.Add(new() { Value = number });
        return read.ExecuteScalar() as string;
    }

    void SendLoop()
    {
        var stop = _stopping.Token;
        var batch = new List<string>();
        var lastAnnounce = 0L;
        var lastCleanup = Stopwatch.GetTimestamp();
        var failing = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var wait = AnnounceEvery - Stopwatch.GetElapsedTime(lastAnnounce);
                if (wait > TimeSpan.Zero && _outgoing.TryTake(out var first, (int)Math.Ceiling(wait.TotalMilliseconds), stop)) batch.Add(first);
                while (batch.Count < 64 && _outgoing.TryTake(out var more)) batch.Add(more);
                if (Stopwatch.GetElapsedTime(lastAnnounce) >= AnnounceEvery)
                {
                    lastAnnounce = Stopwatch.GetTimestamp();
                    batch.Add(new AgentsHereEvent([.. agents.All().Select(a => a.View())]) { By = farm.Instance }.ToJson());
                }
                var cleanup = Stopwatch.GetElapsedTime(lastCleanup) > TimeSpan.FromMinutes(1);
                Send(batch, cleanup);
                if (cleanup) lastCleanup = Stopwatch.GetTimestamp();
                if (failing) log.LogInformation("Farm load channel: sending again");
                failing = false;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                if (!failing) log.LogWarning("Farm load channel: cannot tell the other instances about load runs until the database answers: {Message}", e.Message);
                failing = true;
                stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            }
            batch.Clear();
        }
    }

    /// <summary>One transaction, so the batch arrives together and in order.</summary>
    void Send(List<string> batch, bool cleanup)
    {
        using var connection = _database!.DataSource.OpenConnection();
        using var tx = connection.BeginTransaction();
        foreach (var json in batch)
        {
            var payload = FarmMessage.LoadKind + json;
            if (Encoding.UTF8.GetByteCount(payload) > MaxInlineBytes)
            {
                using var store = new NpgsqlCommand(FarmSql.StoreLoadEvent, connection, tx);
                store.Parameters.Add(new() { Value = json });
                payload = FarmMessage.LoadStoredKind + Convert.ToString(store.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            }
            using var notify = new NpgsqlCommand(FarmSql.Notify, connection, tx);
            notify.Parameters.Add(new() { Value = farm.Channel });
            notify.Parameters.Add(new() { Value = payload });
            notify.ExecuteNonQuery();
        }
        if (cleanup)
        {
            using var forget = new NpgsqlCommand(FarmSql.ForgetLoadEvents, connection, tx);
            forget.ExecuteNonQuery();
        }
        tx.Commit();
    }
}
