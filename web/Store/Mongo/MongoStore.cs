using System.Text;
using LiveDash.Mongo;

namespace LiveDash.Store.Mongo;

/// <summary>
/// The store on MongoDB. Orders embed their lines; prices are decimal128 so totals are exact. Each
/// operation is one command, sent blocking (Sync) or awaited (Async) through the same builder.
/// The latency knob runs server-side JavaScript <c>sleep()</c> inside the command: <c>$where</c> on
/// the single document a point lookup matches, and for aggregations a <c>$function</c> stage placed
/// after a <c>$facet</c>, where exactly one document flows, so the server waits once per command.
/// </summary>
public sealed class MongoStore(MongoClient client, SeedData seed, ILogger<MongoStore> logger) : IStoreBackend
{
    internal const string Users = "users", Products = "products", Orders = "orders", SeedMarker = "livedash_seed";

    string? _latencyError;

    public string Name => "MongoDB";

    public IReadOnlyList<ProductSummary> Featured(int dbLatencyMs) => Sync(FeaturedCore(dbLatencyMs, false, default));
    public Task<IReadOnlyList<ProductSummary>> FeaturedAsync(int dbLatencyMs, CancellationToken ct) => Async(FeaturedCore(dbLatencyMs, true, ct));

    public ProductPage SearchProducts(string search, int page, int dbLatencyMs) => Sync(SearchCore(search, page, dbLatencyMs, false, default));
    public Task<ProductPage> SearchProductsAsync(string search, int page, int dbLatencyMs, CancellationToken ct) => Async(SearchCore(search, page, dbLatencyMs, true, ct));

    public Product? FindProduct(int id, int dbLatencyMs) => Sync(FindProductCore(id, dbLatencyMs, false, default));
    public Task<Product?> FindProductAsync(int id, int dbLatencyMs, CancellationToken ct) => Async(FindProductCore(id, dbLatencyMs, true, ct));

    public UserAccount? FindUser(int id, int dbLatencyMs) => Sync(FindUserCore(id, dbLatencyMs, false, default));
    public Task<UserAccount?> FindUserAsync(int id, int dbLatencyMs, CancellationToken ct) => Async(FindUserCore(id, dbLatencyMs, true, ct));

    public IReadOnlyList<OrderSummary> RecentOrders(int userId, int dbLatencyMs) => Sync(RecentOrdersCore(userId, dbLatencyMs, false, default));
    public Task<IReadOnlyList<OrderSummary>> RecentOrdersAsync(int userId, int dbLatencyMs, CancellationToken ct) => Async(RecentOrdersCore(userId, dbLatencyMs, true, ct));

    public async Task PingAsync(CancellationToken ct)
    {
        try
        {
            await client.RunCommandAsync(new BsonDocument { { "ping", 1 } }, async: true, ct, database: "admin").ConfigureAwait(false);
            await client.Pool.FillToMinimumAsync(ct).ConfigureAwait(false);
        }
        catch (MongoConnectionException e) { throw Unavailable(e); }
    }

    public async Task EnsureSeededAsync(CancellationToken ct)
    {
        try { await new MongoSeeder(client, logger).EnsureSeededAsync(seed, ct).ConfigureAwait(false); }
        catch (MongoConnectionException e) { throw Unavailable(e); }
    }

    public IReadOnlyDictionary<string, object?> Describe()
    {
        var stats = client.Pool.Stats;
        return new Dictionary<string, object?>
        {
            ["host"] = client.Url.Host,
            ["port"] = client.Url.Port,
            ["database"] = client.Url.Database,
            ["maxPoolSize"] = stats.MaxSize,
            ["minPoolSize"] = stats.MinSize,
            ["openConnections"] = stats.Open,
            ["idleConnections"] = stats.Idle,
            ["inUseConnections"] = stats.InUse,
            ["latencyKnob"] = "server-side JavaScript sleep() ($where, $function)",
            ["latencyError"] = _latencyError,
        };
    }

    async ValueTask<IReadOnlyList<ProductSummary>> FeaturedCore(int ms, bool async, CancellationToken ct)
    {
        var pipeline = new BsonArray
        {
            Stage("$sort", new BsonDocument { { "stock", -1 }, { "_id", 1 } }),
            Stage("$limit", IStoreBackend.FeaturedCount),
            Stage("$facet", new BsonDocument { { "items", new BsonArray { Stage("$project", SummaryFields()) } } }),
        };
        var result = await OneFacet(Products, pipeline, ms, async, ct).ConfigureAwait(false);
        return Docs(result, "items").Select(ReadSummary).ToList();
    }

    async ValueTask<ProductPage> SearchCore(string search, int page, int ms, bool async, CancellationToken ct)
    {
        var filter = new BsonDocument();
        if (search.Length > 0)
        {
            var regex = new BsonRegex(EscapeRegex(search), "i");
            filter.Add("$or", new BsonArray { new BsonDocument { { "name", regex } }, new BsonDocument { { "category", regex } } });
        }
        var pipeline = new BsonArray
        {
            Stage("$match", filter),
            Stage("$facet", new BsonDocument
            {
                { "total", new BsonArray { Stage("$count", "n") } },
                { "items", new BsonArray
                    {
                        Stage("$sort", new BsonDocument { { "_id", 1 } }),
                        Stage("$skip", (page - 1) * IStoreBackend.PageSize),
                        Stage("$limit", IStoreBackend.PageSize),
                        Stage("$project", SummaryFields()),
                    }
                },
            }),
        };
        var result = await OneFacet(Products, pipeline, ms, async, ct).ConfigureAwait(false);
        var total = Docs(result, "total").Select(d => (int)MongoReply.Long(d["n"], "n")).FirstOrDefault();
        return new ProductPage(search, page, IStoreBackend.PageSize, total, Docs(result, "items").Select(ReadSummary).ToList());
    }

    async ValueTask<Product?> FindProductCore(int id, int ms, bool async, CancellationToken ct)
    {
        var doc = await FindById(Products, id, ms, async, ct).ConfigureAwait(false);
        return doc is null ? null : new Product(Int(doc, "_id"), doc.Get<string>("name"), doc.Get<string>("category"),
            doc.Get<string>("description"), Money(doc, "price"), Int(doc, "stock"));
    }

    async ValueTask<UserAccount?> FindUserCore(int id, int ms, bool async, CancellationToken ct)
    {
        var doc = await FindById(Users, id, ms, async, ct).ConfigureAwait(false);
        return doc is null ? null : new UserAccount(Int(doc, "_id"), doc.Get<string>("name"), doc.Get<string>("email"), doc.Get<bool>("isActive"));
    }

    async ValueTask<IReadOnlyList<OrderSummary>> RecentOrdersCore(int userId, int ms, bool async, CancellationToken ct)
    {
        var lineTotals = new BsonDocument
        {
            { "$map", new BsonDocument
                {
                    { "input", "$lines" },
                    { "as", "l" },
                    { "in", new BsonDocument { { "$multiply", new BsonArray { "$$l.quantity", "$$l.unitPrice" } } } },
                }
            },
        };
        var pipeline = new BsonArray
        {
            Stage("$match", new BsonDocument { { "userId", userId } }),
            Stage("$sort", new BsonDocument { { "placedAt", -1 }, { "_id", -1 } }),
            Stage("$limit", IStoreBackend.RecentOrderCount),
            Stage("$facet", new BsonDocument
            {
                { "orders", new BsonArray
                    {
                        Stage("$project", new BsonDocument
                        {
                            { "placedAt", 1 },
                            { "status", 1 },
                            { "lines", new BsonDocument { { "$size", "$lines" } } },
                            { "total", new BsonDocument { { "$sum", lineTotals } } },
                        }),
                    }
                },
            }),
        };
        var result = await OneFacet(Orders, pipeline, ms, async, ct).ConfigureAwait(false);
        return Docs(result, "orders").Select(d => new OrderSummary(MongoReply.Long(d["_id"], "_id"), d.Get<BsonDateTime>("placedAt").ToDateTime(),
            d.Get<string>("status"), Int(d, "lines"), Money(d, "total"))).ToList();
    }

    async ValueTask<BsonDocument?> FindById(string collection, int id, int ms, bool async, CancellationToken ct)
    {
        var filter = new BsonDocument { { "_id", id } };
        if (ms > 0) filter.Add("$where", $"sleep({ms}) || true");
        var docs = await Guard(client.FindAsync(collection, filter, new FindOptions(Limit: 1, SingleBatch: true), async, ct), ms).ConfigureAwait(false);
        return docs.FirstOrDefault();
    }

    async ValueTask<BsonDocument> OneFacet(string collection, BsonArray pipeline, int ms, bool async, CancellationToken ct)
    {
        if (ms > 0)
            pipeline.Add(Stage("$match", new BsonDocument
            {
                { "$expr", new BsonDocument
                    {
                        { "$function", new BsonDocument { { "body", "function(ms) { sleep(ms); return true; }" }, { "args", new BsonArray { ms } }, { "lang", "js" } } },
                    }
                },
            }));
        var docs = await Guard(client.AggregateAsync(collection, pipeline, async, ct), ms).ConfigureAwait(false);
        return docs.Count == 1 ? docs[0] : throw new MongoProtocolException($"a $facet aggregation returned {docs.Count} documents instead of 1");
    }

    /// <summary>A refused latency knob is a configuration problem the health page should name plainly, not a 500.</summary>
    async ValueTask<T> Guard<T>(ValueTask<T> command, int ms)
    {
        try
        {
            var result = await command.ConfigureAwait(false);
            if (ms > 0) _latencyError = null;
            return result;
        }
        catch (MongoCommandException e) when (ms > 0 && RefusesJavaScript(e))
        {
            _latencyError = $"MongoDB refused the latency knob's server-side JavaScript: {e.ErrorMessage} (code {e.Code}). " +
                "Enable JavaScript on the server (security.javascriptEnabled: true) or set the database latency to 0.";
            logger.LogWarning("{Error}", _latencyError);
            throw new StoreUnavailableException(_latencyError, e);
        }
    }

    static T Sync<T>(ValueTask<T> operation)
    {
        try { return operation.Result(); }
        catch (MongoConnectionException e) { throw Unavailable(e); }
    }

    static async Task<T> Async<T>(ValueTask<T> operation)
    {
        try { return await operation.ConfigureAwait(false); }
        catch (MongoConnectionException e) { throw Unavailable(e); }
    }

    static StoreUnavailableException Unavailable(MongoConnectionException e) => new(e.Message, e);

    static bool RefusesJavaScript(MongoCommandException e) =>
        e.Code == 139 // JSInterpreterFailure
        || e.ErrorMessage.Contains("javascript", StringComparison.OrdinalIgnoreCase)
        || e.ErrorMessage.Contains("$where", StringComparison.Ordinal)
        || e.ErrorMessage.Contains("$function", StringComparison.Ordinal)
        || e.ErrorMessage.Contains("ScriptEngine", StringComparison.OrdinalIgnoreCase);

    /// <summary>The search is a substring match, so every regex metacharacter in it is escaped.</summary>
    internal static string EscapeRegex(string text)
    {
        var escaped = new StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            if (@"\^$.|?*+()[]{}-/#".Contains(c)) escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    static BsonDocument Stage(string name, object? value) => new() { { name, value } };
    static BsonDocument SummaryFields() => new() { { "name", 1 }, { "category", 1 }, { "price", 1 } };
    static IEnumerable<BsonDocument> Docs(BsonDocument doc, string name) => doc.Get<BsonArray>(name).Cast<BsonDocument>();
    static int Int(BsonDocument doc, string name) => (int)MongoReply.Long(doc[name], name);

    static ProductSummary ReadSummary(BsonDocument d) => new(Int(d, "_id"), d.Get<string>("name"), d.Get<string>("category"), Money(d, "price"));

    static decimal Money(BsonDocument doc, string name) => doc[name] switch
    {
        Decimal128 d => d.ToDecimal(),
        int i => i,
        long l => l,
        var other => throw new MongoProtocolException($"field '{name}' is {BsonValues.Describe(other)}, expected decimal128"),
    };
}
