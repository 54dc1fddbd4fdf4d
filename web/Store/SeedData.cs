namespace LiveDash.Store;

public record SeedUser(int Id, string Name, string Email, bool IsActive);
public record SeedProduct(int Id, string Name, string Category, string Description, decimal Price, int Stock);
public record SeedOrder(long Id, int UserId, DateTime PlacedAt, string Status);
public record SeedOrderLine(long OrderId, int LineNo, int ProductId, int Quantity, decimal UnitPrice);

/// <summary>
/// The deterministic data set every backend seeds: the same rows on every machine and every run,
/// so Sync/Async and PostgreSQL/MongoDB results can be compared exactly.
/// </summary>
public sealed class SeedData(int users = SeedData.DefaultUsers, int products = SeedData.DefaultProducts, int orders = SeedData.DefaultOrders)
{
    public const int DefaultUsers = 10_000;
    public const int DefaultProducts = 5_000;
    public const int DefaultOrders = 200_000;

    /// <summary>Bumped whenever the generated rows change, so stale seeds are rebuilt.</summary>
    public const int Version = 1;

    public int Users { get; } = users;
    public int Products { get; } = products;
    public int Orders { get; } = orders;

    static readonly string[] Categories = ["Books", "Garden", "Kitchen", "Music", "Outdoor", "Tools", "Toys", "Games"];
    static readonly string[] Adjectives = ["Amber", "Brisk", "Cosy", "Deft", "Eager", "Fleet", "Grand", "Hardy", "Ivory", "Jolly", "Keen", "Lucid", "Mellow", "Nimble", "Opal", "Plucky"];
    static readonly string[] Nouns = ["Lamp", "Kettle", "Trowel", "Novel", "Guitar", "Tent", "Hammer", "Puzzle", "Kite", "Mug", "Rake", "Drum", "Atlas", "Chisel", "Lantern", "Skillet"];
    static readonly string[] FirstNames = ["Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Mo", "Nia", "Oz", "Pia"];
    static readonly string[] LastNames = ["Abbot", "Baker", "Chen", "Diaz", "Evans", "Fox", "Garcia", "Hale", "Ito", "Jones", "Khan", "Lopez", "Moss", "Novak", "Okafor", "Park"];
    static readonly string[] Statuses = ["placed", "paid", "shipped", "delivered", "returned"];
    static readonly DateTime Epoch = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public IEnumerable<SeedUser> GenerateUsers()
    {
        var rng = new SplitMix64(1);
        for (var id = 1; id <= Users; id++)
        {
            var first = FirstNames[rng.Next(FirstNames.Length)];
            var last = LastNames[rng.Next(LastNames.Length)];
            // One user in twenty is deactivated: the access check has something to refuse.
            yield return new SeedUser(id, $"{first} {last}", $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{id}@example.test", id % 20 != 0);
        }
    }

    public IEnumerable<SeedProduct> GenerateProducts()
    {
        var rng = new SplitMix64(2);
        for (var id = 1; id <= Products; id++)
        {
            var name = $"{Adjectives[rng.Next(Adjectives.Length)]} {Nouns[rng.Next(Nouns.Length)]} {id}";
            var category = Categories[rng.Next(Categories.Length)];
            var price = 1m + rng.Next(20_000) / 100m;
            yield return new SeedProduct(id, name, category, $"A {category.ToLowerInvariant()} favourite: the {name}.", price, rng.Next(500));
        }
    }

    public decimal PriceOf(int productId)
    {
        // Prices are needed while generating lines; recompute from the same stream instead of holding a table.
        return ProductPrices.Value[productId - 1];
    }

    Lazy<decimal[]> ProductPrices => _prices ??= new Lazy<decimal[]>(() => GenerateProducts().Select(p => p.Price).ToArray());
    Lazy<decimal[]>? _prices;

    /// <summary>Orders with their lines (1 to 5 each), in id order.</summary>
    public IEnumerable<(SeedOrder Order, SeedOrderLine[] Lines)> GenerateOrders()
    {
        var rng = new SplitMix64(3);
        for (long id = 1; id <= Orders; id++)
        {
            var userId = 1 + rng.Next(Users);
            var placedAt = Epoch.AddMinutes(rng.Next(60 * 24 * 600));
            var status = Statuses[rng.Next(Statuses.Length)];
            var lineCount = 1 + rng.Next(5);
            var lines = new SeedOrderLine[lineCount];
            for (var n = 0; n < lineCount; n++)
            {
                var productId = 1 + rng.Next(Products);
                lines[n] = new SeedOrderLine(id, n + 1, productId, 1 + rng.Next(4), PriceOf(productId));
            }
            yield return (new SeedOrder(id, userId, placedAt, status), lines);
        }
    }
}

/// <summary>Small, fast, reproducible PRNG (SplitMix64); unlike System.Random its sequence is ours to keep.</summary>
public struct SplitMix64(ulong seed)
{
    ulong _state = seed;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public int Next(int maxExclusive) => (int)(NextUInt64() % (ulong)maxExclusive);
}
