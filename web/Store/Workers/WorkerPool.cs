using System.Collections.Concurrent;
using System.Diagnostics;
using LiveDash.Admin;

namespace LiveDash.Store.Workers;

/// <summary>
/// The store's server model when <c>workers</c> is 1..64: that many dedicated threads serve the store
/// requests from one FIFO queue, and each request's continuations come back to the worker that
/// started it. 0 hands the store back to the .NET thread pool. The size follows
/// <see cref="RuntimeSettings"/> and can change under load without losing a queued request.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    static readonly Task<bool> NotQueued = Task.FromResult(false);

    readonly object _lock = new();
    readonly ConcurrentQueue<WorkItem> _queue = new();
    // One permit per queued request, so an idle worker wakes for each; a request handed back to the
    // thread pool leaves its permit behind, which only costs a worker one empty look at the queue.
    readonly Semaphore _requestSignal = new(0, int.MaxValue);
    readonly List<Worker> _serving = [];
    readonly RuntimeSettings _settings;
    readonly ILogger<WorkerPool> _logger;
    int _count;
    int _nextId;
    int _retiring;

    public WorkerPool(RuntimeSettings settings, ILogger<WorkerPool> logger)
    {
        _settings = settings;
        _logger = logger;
        settings.Changed += OnSettingsChanged;
        Resize();
    }

    /// <summary>Workers serving new requests now (0 = the thread pool serves the store).</summary>
    public int Workers => Volatile.Read(ref _count);

    /// <summary>Workers told to stop that are still finishing what they started.</summary>
    public int Retiring => Volatile.Read(ref _retiring);

    internal WaitHandle RequestSignal => _requestSignal;

    /// <summary>Store requests waiting for a free worker, and how long the oldest of them has waited.</summary>
    public (int Queued, double OldestWaitMs) QueueState()
    {
        if (_queue.IsEmpty) return (0, 0);
        var oldest = _queue.TryPeek(out var head) ? Stopwatch.GetElapsedTime(head.Enqueued).TotalMilliseconds : 0;
        return (_queue.Count, oldest);
    }

    /// <summary>
    /// Queues the request for a worker. The task says whether a worker ran it: false means there are
    /// no workers (any more), and the caller runs it where it is, on the thread pool.
    /// </summary>
    public Task<bool> Dispatch(HttpContext context, RequestDelegate next)
    {
        var item = new WorkItem(context, next, ExecutionContext.Capture(), Stopwatch.GetTimestamp());
        lock (_lock)
        {
            if (_count == 0) return NotQueued;
            _queue.Enqueue(item);
        }
        _requestSignal.Release();
        return item.Done.Task;
    }

    internal bool TryTake(out WorkItem item) => _queue.TryDequeue(out item!);

    void OnSettingsChanged(SettingsChange change)
    {
        if (change.Field == "workers") Resize();
    }

    /// <summary>Grows or shrinks to the setting. Retired workers finish their requests first; at 0 the queue goes back to the thread pool.</summary>
    void Resize()
    {
        List<WorkItem>? handBack = null;
        lock (_lock)
        {
            var target = _settings.Current.Workers;   // RuntimeSettings keeps it within 0..MaxWorkers
            while (_serving.Count < target)
            {
                var worker = new Worker(this, ++_nextId);
                _serving.Add(worker);
                worker.Start();
            }
            while (_serving.Count > target)
            {
                var worker = _serving[^1];
                _serving.RemoveAt(_serving.Count - 1);
                Interlocked.Increment(ref _retiring);
                worker.Retire();
            }
            Volatile.Write(ref _count, target);
            if (target == 0)
                while (_queue.TryDequeue(out var item)) (handBack ??= []).Add(item);
        }
        if (handBack is not null)
        {
            _logger.LogInformation("workers 0: {Count} queued store requests go back to the thread pool", handBack.Count);
            foreach (var item in handBack) item.Done.TrySetResult(false);
        }
    }

    internal void WorkerExited() => Interlocked.Decrement(ref _retiring);

    public void Dispose()
    {
        _settings.Changed -= OnSettingsChanged;
        lock (_lock)
        {
            foreach (var worker in _serving) worker.Retire();
            _serving.Clear();
            Volatile.Write(ref _count, 0);
            while (_queue.TryDequeue(out var item)) item.Done.TrySetResult(false);
        }
    }
}

/// <summary>One store request waiting for, or running on, a worker.</summary>
sealed class WorkItem(HttpContext context, RequestDelegate next, ExecutionContext? flow, long enqueued)
{
    public long Enqueued { get; } = enqueued;
    public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>On the worker, with the request's ExecutionContext (its AsyncLocals: timeline, HttpContext).</summary>
    public void Start(Worker worker)
    {
        if (flow is null) _ = RunAsync(worker);
        else ExecutionContext.Run(flow, static s => { var (item, w) = ((WorkItem, Worker))s!; _ = item.RunAsync(w); }, (this, worker));
    }

    async Task RunAsync(Worker worker)
    {
        try
        {
            // A client that gave up while queued gets no work done for it (nginx's "client closed request").
            if (context.RequestAborted.IsCancellationRequested) context.Response.StatusCode = 499;
            else await next(context);
            Done.TrySetResult(true);
        }
        catch (Exception e)
        {
            Done.TrySetException(e);
        }
        finally
        {
            worker.RequestFinished();
        }
    }
}

/// <summary>A dedicated thread: serves its own continuations first, then the next queued request.</summary>
sealed class Worker
{
    readonly WorkerPool _pool;
    readonly Thread _thread;
    readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _continuations = new();
    readonly AutoResetEvent _wake = new(false);
    readonly WorkerSynchronizationContext _context;
    volatile bool _retiring;
    volatile bool _exited;
    int _running;

    public Worker(WorkerPool pool, int id)
    {
        _pool = pool;
        _context = new WorkerSynchronizationContext(this);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"store-worker-{id}" };
    }

    public bool IsCurrentThread => Thread.CurrentThread == _thread;

    public void Start() => _thread.Start();

    public void Retire()
    {
        _retiring = true;
        _wake.Set();
    }

    public void Post(SendOrPostCallback callback, object? state)
    {
        _continuations.Enqueue((callback, state));
        if (_exited) HandOffLeftovers();
        else _wake.Set();
    }

    /// <summary>Called on this worker when a request it started has finished.</summary>
    public void RequestFinished() => _running--;

    void Loop()
    {
        SynchronizationContext.SetSynchronizationContext(_context);
        WaitHandle[] wakeOrRequest = [_wake, _pool.RequestSignal];
        while (true)
        {
            RunContinuations();
            if (_retiring)
            {
                // Exit once every request started here is done; until then, keep serving their continuations.
                if (_running == 0 && _continuations.IsEmpty) break;
                _wake.WaitOne();
                continue;
            }
            // WaitAny prefers the lowest index, so a waiting continuation goes before a new request.
            if (WaitHandle.WaitAny(wakeOrRequest) == 1 && _pool.TryTake(out var item))
            {
                _running++;
                item.Start(this);
            }
        }
        _exited = true;
        HandOffLeftovers();
        _pool.WorkerExited();
    }

    void RunContinuations()
    {
        while (_continuations.TryDequeue(out var c)) c.Callback(c.State);
    }

    // A continuation posted after the worker left (a stray callback of a finished request) runs on the thread pool.
    void HandOffLeftovers()
    {
        while (_continuations.TryDequeue(out var c))
            ThreadPool.UnsafeQueueUserWorkItem(static c => c.Callback(c.State), c, preferLocal: false);
    }
}
