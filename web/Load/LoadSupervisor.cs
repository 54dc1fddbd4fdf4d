using LiveDash.LoadTests.Agent;

namespace LiveDash.Load;

/// <summary>The load feature's clock: pings every agent, marks silent ones lost, closes overdue runs, publishes merged seconds.</summary>
public sealed class LoadSupervisor(LoadAgents agents, LoadRuns runs) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var beat = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // The agents' silence limit is 3 s; a ping every 500 ms keeps them sure the server is there.
                if (++beat % 2 == 0)
                    foreach (var agent in agents.All())
                        if (!agent.IsLost) agent.Send(new Ping());
                runs.Tick();
            }
        }
        catch (OperationCanceledException)
        {
        }

    }
}
