namespace LiveDash.Store;

public record ProductSummary(int Id, string Name, string Category, decimal Price);

public record Product(int Id, string Name, string Category, string Description, decimal Price, int Stock);

public record ProductPage(string Search, int Page, int PageSize, int Total, IReadOnlyList<ProductSummary> Items)
{
    public int PageCount => Total == 0 ? 1 : (Total + PageSize - 1) / PageSize;
}

public record UserAccount(int Id, string Name, string Email, bool IsActive);

public record OrderSummary(long Id, DateTime PlacedAt, string Status, int Lines, decimal Total);

public record UserOrders(UserAccount User, IReadOnlyList<OrderSummary> Orders);

/// <summary>Thrown by a backend when its database cannot be reached or does not answer in time.</summary>
public class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The database answers, but no connection was free in time: the pool is exhausted (or its opens queued). A 503 like
/// an outage, but named as what it is; <paramref name="describePool"/> gives "N of M in use, K waiting" for the log.
/// </summary>
public sealed class StoreBusyException(string message, Func<string> describePool, Exception? inner = null) : StoreUnavailableException(message, inner)
{
    public string DescribePool() => describePool();
}
