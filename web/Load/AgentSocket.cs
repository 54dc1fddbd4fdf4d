using System.Buffers;
using System.Net.WebSockets;
using LiveDash.Store;
using LiveDash.LoadTests.Agent;
using LiveDash.Site;

namespace LiveDash.Load;

/// <summary>
/// GET /admin/api/load/agents/connect?name=NAME as a WebSocket (HTTP Basic, user admin): a load agent
/// connects here and stays. The server sends runs, a ping every heartbeat and an ack for what it applied (from the load
/// channel's own thread, <see cref="LoadSupervisor"/>); the agent sends its status, each finished second and the end
/// of each run, again after a reconnect until acked. A socket that drops or falls silent marks the agent lost.
/// </summary>
public static class AgentSocket
{
    public static async Task ServeAsync(HttpContext context)
    {
        var agents = context.RequestServices.GetRequiredService<LoadAgents>();
        var runs = context.RequestServices.GetRequiredService<LoadRuns>();
        // Agents send HTTP Basic; a browser's admin cookie is not enough to become an agent (no cross-site WebSocket hijacking).
        if (context.Request.Headers.Authorization.Count == 0)
        {
            await ApiProblem.Result(new ApiError("load agents authenticate with HTTP Basic (user admin)", "authorization"), StatusCodes.Status401Unauthorized).ExecuteAsync(context);
            return;
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ApiProblem.Result(new ApiError("connect with a WebSocket: this is where ./livedash agent --server URL connects", "connection"), 400).ExecuteAsync(context);
            return;
        }
        var name = context.Request.Query["name"].ToString();
        if (!LoadAgent.IsValidName(name))
        {
            await ApiProblem.Result(new ApiError($"name must be 1 to {LoadAgent.MaxNameLength} letters, digits, '-', '_' or '.'", "name"), 400).ExecuteAsync(context);
            return;
        }
        if (runs.IsLive(name))
        {
            await ApiProblem.Result(new ApiError($"an agent called '{name}' is already connected", "name"), 409).ExecuteAsync(context);
            return;
        }
        // No keep-alive frames of its own: only the load channel's thread writes to this connection (see AgentConnection.Raw).
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
        var raw = !context.Request.IsHttps && context.Request.Protocol == "HTTP/1.1"
            ? context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket : null;
        if (raw is not null) raw.SendTimeout = 2000;
        var agent = agents.TryAdd(name, socket, raw);
        if (agent is null)
        {
            await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "name taken or too many agents", context.RequestAborted);
            return;
        }
        var log = context.RequestServices.GetRequiredService<ILogger<LoadAgents>>();
        log.LogInformation("load agent {Agent} connected from {Address}", name, context.Connection.RemoteIpAddress);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        try
        {
            await ReceiveLoopAsync(socket, agent, runs, session.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or InvalidDataException)
        {
        }
        finally
        {
            if (agent.MarkLost(socket.State == WebSocketState.CloseReceived ? "disconnected" : "connection lost"))
            {
                log.LogInformation("load agent {Agent}: {Reason}", name, agent.LostReason);
                runs.OnLost(agent);
            }
            session.Cancel();
        }
    }

    static async Task ReceiveLoopAsync(WebSocket socket, AgentConnection agent, LoadRuns runs, CancellationToken cancel)
    {
        var buffer = new ArrayBufferWriter<byte>(8192);
        while (true)
        {
            buffer.ResetWrittenCount();
            ValueWebSocketReceiveResult received;
            do
            {
                received = await socket.ReceiveAsync(buffer.GetMemory(8192), cancel);
                buffer.Advance(received.Count);
                if (buffer.WrittenCount > AgentMessage.MaxMessageBytes) throw new InvalidDataException("message larger than 1 MB");
            } while (!received.EndOfMessage);
            if (received.MessageType == WebSocketMessageType.Close) return;
            agent.Heard();
            switch (AgentMessage.Parse(buffer.WrittenSpan))
            {
                case AgentStatus status:
                    agent.Update(status);
                    break;
                case RunSecond second:
                    runs.OnSecond(agent, second);
                    agent.Applied(second.Seq);
                    break;
                case ChangeApplied applied:
                    runs.OnApplied(agent, applied);
                    agent.Applied(applied.Seq);
                    break;
                case RunEnded ended:
                    runs.OnEnded(agent, ended);
                    agent.Applied(ended.Seq);
                    break;
            }
        }
    }
}
