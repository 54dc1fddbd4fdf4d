using System.Runtime.CompilerServices;
using LiveDash.Admin;

namespace LiveDash.Store;

public enum OrdersOutcome { Ok, UnknownUser, AccessDenied }

public readonly record struct OrdersResult(OrdersOutcome Outcome, UserOrders? Orders);

/// <summary>Told when each database round trip starts and ends (telemetry hooks in here).</summary>
public interface IDbRoundTripObserver
{
    /// <returns>A token handed back to <see cref="End"/>.</returns>
    long Begin(string label);
    void End(long token, string label);
}

sealed class NoRoundTripObserver : IDbRoundTripObserver
{
    public long Begin(string label) => 0;
    public void End(long token, string label) { }
}

/// <summary>
/// What the pages and JSON twins call. Reads the mode for every call and runs the backend's
/// synchronous path, its asynchronous path, or its asynchronous path blocked on.
/// </summary>
/// <remarks>
/// Every request comes through here, so each call is a small struct (<see cref="IStoreCall{T}"/>): <c>Run</c> is
/// compiled once per call, with no delegate or closure to allocate, and its state machine comes from a pool.
/// </remarks>
public sealed class StoreService(IStoreBackend backend, RuntimeSettings settings, IDbRoundTripObserver observer, StoreHealth health)
{
    public string BackendName => backend.Name;

    public ValueTask<IReadOnlyList<ProductSummary>> FeaturedAsync(CancellationToken ct) =>
        Run<IReadOnlyList<ProductSummary>, Featured>(default, ct);

    public ValueTask<ProductPage> SearchProductsAsync(string search, int page, CancellationToken ct) =>
        Run<ProductPage, SearchProducts>(new(search, page), ct);

    public ValueTask<Product?> FindProductAsync(int id, CancellationToken ct) => Run<Product?, FindProduct>(new(id), ct);

    /// <summary>The request that matters: who is the user (round trip 1), may they see orders, their recent orders (round trip 2).</summary>
    /// <remarks>The hot path, so its two calls are written out here rather than through <see cref="Run{T, TCall}"/>: one
    /// state machine for the request instead of three (about 3 µs of CPU a request, measured by profile).</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<OrdersResult> UserOrdersAsync(int userId, CancellationToken ct)
    {
        var current = settings.Current;
        UserAccount? user;
        var call = Enter(FindUser.Label);
        try
        {
            user = current.Mode == StoreMode.Async
                ? await backend.FindUserAsync(userId, current.DbLatencyMs, ct)
                : Blocking<UserAccount?, FindUser>(new(userId), current, ct);
            health.ReportAvailable(call.Started);
        }
        finally
        {
            observer.End(call.Token, call.Label);
        }
        if (user is null) return new(OrdersOutcome.UnknownUser, null);
        if (!user.IsActive) return new(OrdersOutcome.AccessDenied, new UserOrders(user, []));

        current = settings.Current;
        IReadOnlyList<OrderSummary> orders;
        call = Enter(RecentOrders.Label);
        try
        {
            orders = current.Mode == StoreMode.Async
                ? await backend.RecentOrdersAsync(userId, current.DbLatencyMs, ct)
                : Blocking<IReadOnlyList<OrderSummary>, RecentOrders>(new(userId), current, ct);
            health.ReportAvailable(call.Started);
        }
        finally
        {
            observer.End(call.Token, call.Label);
        }
        return new(OrdersOutcome.Ok, new UserOrders(user, orders));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    async ValueTask<T> Run<T, TCall>(TCall call, CancellationToken ct) where TCall : struct, IStoreCall<T>
    {
        var current = settings.Current;
        var scope = Enter(TCall.Label);
        try
        {
            var result = current.Mode == StoreMode.Async
                ? await call.Async(backend, current.DbLatencyMs, ct)
                : Blocking<T, TCall>(call, current, ct);
            health.ReportAvailable(scope.Started);
            return result;
        }
        finally
        {
            observer.End(scope.Token, scope.Label);
        }
    }

    /// <summary>A call starts: refused while the store is not seeded, else timed for the health and the waterfall.</summary>
    CallScope Enter(string label)
    {
        if (!health.IsSeeded) throw new StoreNotSeededException();
        var started = health.CallStarted();
        return new(started, observer.Begin(label), label);
    }

    readonly record struct CallScope(long Started, long Token, string Label);

    /// <summary>The two modes that hold the thread for the whole call.</summary>
    T Blocking<T, TCall>(TCall call, SettingsSnapshot current, CancellationToken ct) where TCall : struct, IStoreCall<T> =>
        current.Mode == StoreMode.Sync
            ? call.Sync(backend, current.DbLatencyMs)
            // Deliberately the real-world bug: block this thread on the async path.
            : call.Async(backend, current.DbLatencyMs, ct).GetAwaiter().GetResult();

    /// <summary>One store call, both ways; <see cref="Label"/> names its round trip on the waterfall.</summary>
    interface IStoreCall<T>
    {
        static abstract string Label { get; }
        T Sync(IStoreBackend backend, int dbLatencyMs);
        Task<T> Async(IStoreBackend backend, int dbLatencyMs, CancellationToken ct);
    }

    readonly struct Featured : IStoreCall<IReadOnlyList<ProductSummary>>
    {
        public static string Label => "featured";
        public IReadOnlyList<ProductSummary> Sync(IStoreBackend b, int ms) => b.Featured(ms);
        public Task<IReadOnlyList<ProductSummary>> Async(IStoreBackend b, int ms, CancellationToken ct) => b.FeaturedAsync(ms, ct);
    }

    readonly struct SearchProducts(string search, int page) : IStoreCall<ProductPage>
    {
        public static string Label => "search-products";
        public ProductPage Sync(IStoreBackend b, int ms) => b.SearchProducts(search, page, ms);
        public Task<ProductPage> Async(IStoreBackend b, int ms, CancellationToken ct) => b.SearchProductsAsync(search, page, ms, ct);
    }

    readonly struct FindProduct(int id) : IStoreCall<Product?>
    {
        public static string Label => "find-product";
        public Product? Sync(IStoreBackend b, int ms) => b.FindProduct(id, ms);
        public Task<Product?> Async(IStoreBackend b, int ms, CancellationToken ct) => b.FindProductAsync(id, ms, ct);
    }

    readonly struct FindUser(int id) : IStoreCall<UserAccount?>
    {
        public static string Label => "find-user";
        public UserAccount? Sync(IStoreBackend b, int ms) => b.FindUser(id, ms);
        public Task<UserAccount?> Async(IStoreBackend b, int ms, CancellationToken ct) => b.FindUserAsync(id, ms, ct);
    }

    readonly struct RecentOrders(int userId) : IStoreCall<IReadOnlyList<OrderSummary>>
    {
        public static string Label => "recent-orders";
        public IReadOnlyList<OrderSummary> Sync(IStoreBackend b, int ms) => b.RecentOrders(userId, ms);
        public Task<IReadOnlyList<OrderSummary>> Async(IStoreBackend b, int ms, CancellationToken ct) => b.RecentOrdersAsync(userId, ms, ct);
    }
}
