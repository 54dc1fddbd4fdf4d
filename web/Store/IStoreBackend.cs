namespace LiveDash.Store;

/// <summary>
/// One database backend. Every operation is one database round trip and exists twice: a truly
/// synchronous path (blocking driver calls) and a truly asynchronous one (awaited driver calls).
/// <paramref name="dbLatencyMs"/> is applied inside the database, in the same statement.
/// </summary>
public interface IStoreBackend
{
    string Name { get; }

    const int PageSize = 20;
    const int FeaturedCount = 12;
    const int RecentOrderCount = 20;

    IReadOnlyList<ProductSummary> Featured(int dbLatencyMs);
    Task<IReadOnlyList<ProductSummary>> FeaturedAsync(int dbLatencyMs, CancellationToken ct);

    ProductPage SearchProducts(string search, int page, int dbLatencyMs);
    Task<ProductPage> SearchProductsAsync(string search, int page, int dbLatencyMs, CancellationToken ct);

    Product? FindProduct(int id, int dbLatencyMs);
    Task<Product?> FindProductAsync(int id, int dbLatencyMs, CancellationToken ct);

    UserAccount? FindUser(int id, int dbLatencyMs);
    Task<UserAccount?> FindUserAsync(int id, int dbLatencyMs, CancellationToken ct);

    IReadOnlyList<OrderSummary> RecentOrders(int userId, int dbLatencyMs);
    Task<IReadOnlyList<OrderSummary>> RecentOrdersAsync(int userId, int dbLatencyMs, CancellationToken ct);

    /// <summary>Cheap liveness probe; throws <see cref="StoreUnavailableException"/> when down.</summary>
    Task PingAsync(CancellationToken ct);

    /// <summary>Creates the schema and the deterministic seed if they are not there yet.</summary>
    Task EnsureSeededAsync(CancellationToken ct);

    /// <summary>Anything the backend wants the health report and admin page to show (e.g. pool size).</summary>
    IReadOnlyDictionary<string, object?> Describe();
}
