namespace LiveDash.Store;

/// <summary>
/// Seeds the store at start-up, and when the database was unreachable then, as soon as it answers: until
/// seeded, store requests answer 503 with a clear message and /api/health says "not seeded".
/// </summary>
public sealed class StoreSeeding(IStoreBackend backend, StoreHealth health) : BackgroundService
{
    static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    public async Task<bool> TrySeedAsync(CancellationToken ct)
    {
        var started = health.CallStarted();
        try
        {
            await backend.EnsureSeededAsync(ct);
            health.MarkSeeded(started);
            return true;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Not reachable yet (or refused mid-seed): the outage log counts the attempts instead of a line each.
            health.ReportUnavailable($"the {backend.Name} database could not be seeded: {e.Message}");
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (health.IsSeeded) return;
        using var timer = new PeriodicTimer(RetryEvery);
        try
        {
            while (!health.IsSeeded && await timer.WaitForNextTickAsync(stoppingToken)) await TrySeedAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
