using LiveDash.Admin;

namespace LiveDash.Store;

public enum OrdersOutcome { Ok, UnknownUser, AccessDenied }

public record OrdersResult(OrdersOutcome Outcome, UserOrders? Orders);

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
public sealed class StoreService(IStoreBackend backend, RuntimeSettings settings, IDbRoundTripObserver observer, StoreHealth health)
{
    public string BackendName => backend.Name;

    public ValueTask<IReadOnlyList<ProductSummary>> FeaturedAsync(CancellationToken ct) =>
        Run("featured", static (b, s) => b.Featured(s.DbLatencyMs), static (b, s, ct) => b.FeaturedAsync(s.DbLatencyMs, ct), ct);

    public ValueTask<ProductPage> SearchProductsAsync(string search, int page, CancellationToken ct) =>
        Run("search-products", (b, s) => b.SearchProducts(search, page, s.DbLatencyMs), (b, s, ct) => b.SearchProductsAsync(search, page, s.DbLatencyMs, ct), ct);

    public ValueTask<Product?> FindProductAsync(int id, CancellationToken ct) =>
        Run("find-product", (b, s) => b.FindProduct(id, s.DbLatencyMs), (b, s, ct) => b.FindProductAsync(id, s.DbLatencyMs, ct), ct);

    /// <summary>The request that matters: who is the user (round trip 1), may they see orders, their recent orders (round trip 2).</summary>
    public async ValueTask<OrdersResult> UserOrdersAsync(int userId, CancellationToken ct)
    {
        var user = await Run("find-user", (b, s) => b.FindUser(userId, s.DbLatencyMs), (b, s, ct) => b.FindUserAsync(userId, s.DbLatencyMs, ct), ct);
        if (user is null) return new(OrdersOutcome.UnknownUser, null);
        if (!user.IsActive) return new(OrdersOutcome.AccessDenied, new UserOrders(user, []));
        var orders = await Run("recent-orders", (b, s) => b.RecentOrders(userId, s.DbLatencyMs), (b, s, ct) => b.RecentOrdersAsync(userId, s.DbLatencyMs, ct), ct);
        return new(OrdersOutcome.Ok, new UserOrders(user, orders));
    }

    async ValueTask<T> Run<T>(string label, Func<IStoreBackend, SettingsSnapshot, T> sync,
        Func<IStoreBackend, SettingsSnapshot, CancellationToken, Task<T>> async, CancellationToken ct)
    {
        if (!health.IsSeeded) throw new StoreNotSeededException();
        var started = health.CallStarted();
        var current = settings.Current;
        var token = observer.Begin(label);
        try
        {
            T result;
            switch (current.Mode)
            {
                case StoreMode.Sync:
                    result = sync(backend, current);
                    break;
                case StoreMode.SyncOverAsync:
                    // Deliberately the real-world bug: block this thread on the async path.
                    result = async(backend, current, ct).GetAwaiter().GetResult();
                    break;
                default:
                    result = await async(backend, current, ct);
                    break;
            }
            health.ReportAvailable(started);
            return result;
        }
        finally
        {
            observer.End(token, label);
        }
    }
}
