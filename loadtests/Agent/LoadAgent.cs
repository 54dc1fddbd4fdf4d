using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using LiveDash.LoadTests.Running;
using LiveDash.LoadTests.Scenarios;

namespace LiveDash.LoadTests.Agent;

/// <summary>The server refused this agent for good (wrong password, name taken, no load endpoint): retrying would not help.</summary>
public sealed class AgentRefusedException(string message) : Exception(message);

/// <summary>
/// A long-running load agent: connects out to a LiveDash server over a WebSocket, announces itself,
/// and runs the load the server asks for against that same server (<see cref="AgentRuns"/>: this class is the
/// connection). It reports every finished second (bucket counts, not percentiles, so the server can merge agents
/// exactly) and its whole-run totals. A run lives only as long as the connection: when the server goes silent (and no
/// longer answers the load) or the socket drops, the run is cancelled at once, and the agent reconnects with back-off.
/// What it measured waits in its <see cref="AgentOutbox"/> until the server confirms it, and is sent again after a reconnect.
/// </summary>
public sealed class LoadAgent
{
    public const double MaxDurationSeconds = 3_600;
    public const double MaxWarmUpSeconds = 60;

    readonly Uri _server;
    readonly string _password;
    readonly TextWriter _log;
    readonly AgentRuns _runs;
    bool _everConnected;
    long _heard;
    volatile string? _serverGone;
    bool _toleranceSaid;

    public LoadAgent(Uri server, string name, string password, TextWriter log, bool allowRemote = false)
    {
        if (server.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--server must be an http:// or https:// URL like http://127.0.0.1:5000, got '{server}'", nameof(server));
        if (!allowRemote && !LocalTarget.IsLoopback(server))
            throw new ArgumentException($"--server {server.Host} is not this machine; the agent loads the server it connects to, and load stays on 127.0.0.1/localhost unless you add --allow-remote", nameof(server));
        if (!IsValidName(name))
            throw new ArgumentException($"--name must be 1 to {MaxNameLength} letters, digits, '-', '_' or '.', got '{name}'", nameof(name));
        _server = new Uri(server.GetLeftPart(UriPartial.Authority));
        Name = name;
        _password = password;
        _log = TextWriter.Synchronized(log);
        _runs = new AgentRuns(name, _server, Outbox, _log);
    }

    public const int MaxNameLength = 24;

    /// <summary>1 to <see cref="MaxNameLength"/> letters, digits, '-', '_' or '.': the server checks the same.</summary>
    public static bool IsValidName(string name) => name.Length is > 0 and <= MaxNameLength && name.All(IsNameChar);

    static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';

    public static string DefaultName() =>
        new string($"{Environment.MachineName}-{Environment.ProcessId}".Where(IsNameChar).ToArray()) is { Length: > 0 } n
            ? n[..Math.Min(n.Length, MaxNameLength)]
            : $"agent-{Environment.ProcessId}";

    /// <summary>The scenarios an agent can run: the catalogue without the lecture (it is a fixed three-request experiment).</summary>
    public static IEnumerable<string> AgentScenarios() => ScenarioCatalog.List().Select(s => s.Name).Where(n => n != ScenarioCatalog.Lecture);

    /// <summary>Agent <paramref name="share"/>'s part of <paramref name="total"/> split evenly among <paramref name="of"/> agents.</summary>
    public static int Split(int total, int share, int of) => total / of + (share < total % of ? 1 : 0);

    public string Name { get; }

    /// <summary>True while a WebSocket session with the server is open.</summary>
    public bool Connected { get; private set; }

    /// <summary>The run going on now, if any.</summary>
    public AgentRun? CurrentRun => _runs.Current;

    /// <summary>The last run that ended (its result), for tests and the log.</summary>
    public AgentRun? LastRun => _runs.Last;

    /// <summary>Every second, change and end not yet confirmed by the server: sent again after a reconnect.</summary>
    public AgentOutbox Outbox { get; } = new();

    /// <summary>Connects, serves runs, reconnects after a loss; ends when cancelled (0) or refused for good (throws).</summary>
    public async Task RunAsync(CancellationToken cancel)
    {
        var backOff = TimeSpan.FromSeconds(1);
        var waitingSaid = false;
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                await SessionAsync(cancel, () => { backOff = TimeSpan.FromSeconds(1); waitingSaid = false; });
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException or OperationCanceledException or TimeoutException)
            {
                if (cancel.IsCancellationRequested) break;
                if (Connected || !waitingSaid) _log.WriteLine(Connected ? $"lost the server: {Describe(e)}; load stopped, reconnecting" : $"waiting for the server at {_server}: {Describe(e)}");
                waitingSaid = true;
            }
            finally
            {
                Connected = false;
                _runs.LostServer();
            }
            if (cancel.IsCancellationRequested) break;
            await Quietly(Task.Delay(backOff, cancel));
            backOff = TimeSpan.FromSeconds(Math.Min(5, backOff.TotalSeconds * 2));
        }
        if (_runs.Current is { } run) await run.Completion;
    }

    static string Describe(Exception e) => e switch
    {
        TimeoutException => e.Message,
        OperationCanceledException => "no answer within " + AgentMessage.SilenceLimit.TotalSeconds + " s",
        _ => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message,
    };

    async Task SessionAsync(CancellationToken cancel, Action connected)
    {
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + _password)));
        ws.Options.CollectHttpResponseDetails = true;
        ws.Options.Proxy = null;
        ws.Options.KeepAliveInterval = TimeSpan.Zero;   // heartbeats are messages; the server's side writes nothing else
        var uri = new UriBuilder(_server) { Scheme = _server.Scheme == "https" ? "wss" : "ws", Path = AgentMessage.ConnectPath, Query = "name=" + Uri.EscapeDataString(Name) }.Uri;
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancel))
        {
            connectTimeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await ws.ConnectAsync(uri, connectTimeout.Token);
            }
            catch (WebSocketException) when (ws.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new AgentRefusedException($"the server at {_server} refused the admin password ({(int)ws.HttpStatusCode}); give the right one with LIVEDASH_ADMIN_PASSWORD or --password-file");
            }
            catch (WebSocketException e) when (ws.HttpStatusCode is HttpStatusCode.Conflict && _everConnected)
            {
                // After a network blip the server may still hold our old connection until it times out (5 s).
                throw new IOException("the server still holds this agent's previous connection; retrying", e);
            }
            catch (WebSocketException) when (ws.HttpStatusCode is HttpStatusCode.Conflict)
            {
                throw new AgentRefusedException($"another agent called '{Name}' is connected to {_server}; give this one another --name");
            }
            catch (WebSocketException) when (ws.HttpStatusCode is HttpStatusCode.NotFound)
            {
                throw new AgentRefusedException($"{_server} has no load-agent endpoint ({AgentMessage.ConnectPath} answered 404): is it a LiveDash server of this version?");
            }
        }
        Connected = true;
        _everConnected = true;
        connected();
        _log.WriteLine($"agent {Name}: connected to {_server}, waiting for runs");

        // Not linked to cancel: an agent told to stop first ends its run and delivers its last seconds and end.
        using var session = new CancellationTokenSource();
        var outgoing = Channel.CreateBounded<AgentMessage>(new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        Volatile.Write(ref _heard, Stopwatch.GetTimestamp());
        _serverGone = null;
        // The outbox's unconfirmed messages go first (a previous session's last seconds and ends), then new ones.
        Outbox.Attach(outgoing.Writer, ws.Abort);
        var sending = SendLoopAsync(ws, outgoing.Reader, session.Token);
        var beating = HeartbeatLoopAsync(ws, outgoing.Writer, session.Token);
        var receiving = ReceiveLoopAsync(ws, session.Token);
        try
        {
            await Task.WhenAny(receiving, Task.Delay(Timeout.Infinite, cancel));
            if (!receiving.IsCompleted)
            {
                _runs.StopCurrent("the agent was stopped");
                if (_runs.Current is { } run) await Quietly(run.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
                if (!await Outbox.AllConfirmedAsync(TimeSpan.FromSeconds(3)))
                    _log.WriteLine($"agent {Name}: stopping with {Outbox.Count} messages the server did not confirm");
                return;
            }
            try
            {
                await receiving;
            }
            catch (Exception e) when (_serverGone is { } gone && e is WebSocketException or IOException or OperationCanceledException)
            {
                throw new TimeoutException(gone, e);
            }
        }
        finally
        {
            Outbox.Detach(outgoing.Writer);
            _runs.LostServer();
            outgoing.Writer.TryComplete();
            session.Cancel();
            await Task.WhenAll(Quietly(sending), Quietly(beating), Quietly(receiving));
            if (ws.State == WebSocketState.Open)
            {
                using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await Quietly(ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "agent stopping", closeTimeout.Token));
            }
        }
    }

    static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or ChannelClosedException or TimeoutException)
        {
        }
    }

    async Task ReceiveLoopAsync(ClientWebSocket ws, CancellationToken cancel)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            buffer.ResetWrittenCount();
            // No timeout here (a cancelled receive aborts the socket): the heartbeat loop watches the silence.
            ValueWebSocketReceiveResult received;
            do
            {
                received = await ws.ReceiveAsync(buffer.GetMemory(4096), cancel);
                buffer.Advance(received.Count);
                if (buffer.WrittenCount > AgentMessage.MaxMessageBytes) throw new IOException("the server sent a message larger than 1 MB");
            } while (!received.EndOfMessage);
            if (received.MessageType == WebSocketMessageType.Close)
                throw new WebSocketException($"the server closed the connection ({ws.CloseStatus}: {ws.CloseStatusDescription})");
            Volatile.Write(ref _heard, Stopwatch.GetTimestamp());
            switch (AgentMessage.Parse(buffer.WrittenSpan))
            {
                case StartRun start:
                    _runs.Start(start);
                    break;
                case ChangeRun change:
                    _runs.Change(change);
                    break;
                case StopRun stop:
                    _runs.Stop(stop);
                    break;
                case Ack ack:
                    Outbox.Confirm(ack.Through);
                    break;
                case Ping or null:
                    break;
            }
        }
    }

    static async Task SendLoopAsync(ClientWebSocket ws, ChannelReader<AgentMessage> outgoing, CancellationToken cancel)
    {
        await foreach (var message in outgoing.ReadAllAsync(cancel))
            await ws.SendAsync(message.ToUtf8(), WebSocketMessageType.Text, endOfMessage: true, cancel);
    }

    async Task HeartbeatLoopAsync(ClientWebSocket ws, ChannelWriter<AgentMessage> outgoing, CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(AgentMessage.HeartbeatInterval);
        do
        {
            var (status, run) = _runs.Report();
            outgoing.TryWrite(status);
            if (ServerGone(run) is { } gone)
            {
                _serverGone = gone;
                ws.Abort();
                return;
            }
        } while (await timer.WaitForNextTickAsync(cancel));
    }

    /// <summary>
    /// Why the server counts as gone, or null. Silent for <see cref="AgentMessage.SilenceLimit"/> is gone, unless the
    /// server still answers this agent's requests: then it is alive and busy (a starved thread pool delays its control
    /// channel as it delays every request), and the load goes on for at most <see cref="AgentMessage.StarvedServerLimit"/>.
    /// </summary>
    string? ServerGone(AgentRun? run)
    {
        var silent = Stopwatch.GetElapsedTime(Volatile.Read(ref _heard));
        if (silent <= AgentMessage.SilenceLimit)
        {
            _toleranceSaid = false;
            return null;
        }
        var answered = run?.Runner.LastAnswerTimestamp is > 0 and var at && Stopwatch.GetElapsedTime(at) <= AgentMessage.SilenceLimit;
        if (!answered) return $"no answer within {AgentMessage.SilenceLimit.TotalSeconds:0} s";
        if (silent > AgentMessage.StarvedServerLimit)
            return $"the server's control channel said nothing for {AgentMessage.StarvedServerLimit.TotalSeconds:0} s, though it still answered requests";
        if (!_toleranceSaid)
            _log.WriteLine($"agent {Name}: the server has said nothing for {silent.TotalSeconds:0.#} s but still answers requests (a busy server); the load goes on for at most {AgentMessage.StarvedServerLimit.TotalSeconds:0} s of silence");
        _toleranceSaid = true;
        return null;
    }
}
