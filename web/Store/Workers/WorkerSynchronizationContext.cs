namespace LiveDash.Store.Workers;

/// <summary>
/// Sends an awaiting request's continuations back to the worker that started it, as an event loop
/// does: the continuation waits in that worker's own queue until the worker is free.
/// </summary>
sealed class WorkerSynchronizationContext(Worker worker) : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => worker.Post(d, state);

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (worker.IsCurrentThread) d(state);
        else throw new NotSupportedException("Send to a store worker from another thread would block that thread on the worker; use Post.");
    }

    public override SynchronizationContext CreateCopy() => this;
}
