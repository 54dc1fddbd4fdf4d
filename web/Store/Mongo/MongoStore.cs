using System.Text;
using MongoDB.Bson;
using MongoDB.Driver;

namespace LiveDash.Store.Mongo;

/// <summary>
/// The store on MongoDB through the official driver. Orders embed their lines; prices are decimal128 so totals are
/// exact. Each operation is one command: Sync calls the driver's synchronous API (Find().FirstOrDefault(),
/// Aggregate().ToList()), Async awaits its asynchronous API with the request's cancellation. The latency knob runs
/// server-side JavaScript <c>sleep()</c> inside the command: <c>$where</c> on the single document a point lookup
/// matches, and for aggregations a <c>$function</c> stage placed after a <c>$facet</c>, where exactly one document
/// flows, so the server waits once per command. Awaits are ConfigureAwait(false), as in the PostgreSQL store.
/// </summary>
public sealed class MongoStore(IMongoClient client, MongoConnectionSettings connection, MongoPoolMonitor pool, SeedData seed, ILogger<MongoStore> logger) : IStoreBackend
{
    internal const string Users = "users", Products = "products", Orders = "orders", SeedMarker = "livedash_seed";

    readonly IMongoDatabase _db = client.GetDatabase(connection.Database);
    string? _latencyError;

    public string Name => "MongoDB";

    public IReadOnlyList<ProductSummary> Featured(int dbLatencyMs) => Sync(FeaturedCore(dbLatencyMs, false, default));
    public Task<IReadOnlyList<ProductSummary>> FeaturedAsync(int dbLatencyMs, CancellationToken ct) => Async(FeaturedCore(dbLatencyMs, true, ct), ct);

    public ProductPage SearchProducts(string search, int page, int dbLatencyMs) => Sync(SearchCore(search, page, dbLatencyMs, false, default));
    public Task<ProductPage> SearchProductsAsync(string search, int page, int dbLatencyMs, CancellationToken ct) => Async(SearchCore(search, page, dbLatencyMs, true, ct), ct);

    public Product? FindProduct(int id, int dbLatencyMs) => Sync(FindProductCore(id, dbLatencyMs, false, default));
    public Task<Product?> FindProductAsync(int id, int dbLatencyMs, CancellationToken ct) => Async(FindProductCore(id, dbLatencyMs, true, ct), ct);

    public UserAccount? FindUser(int id, int dbLatencyMs) => Sync(FindUserCore(id, dbLatencyMs, false, default));
    public Task<UserAccount?> FindUserAsync(int id, int dbLatencyMs, CancellationToken ct) => Async(FindUserCore(id, dbLatencyMs, true, ct), ct);

    public IReadOnlyList<OrderSummary> RecentOrders(int userId, int dbLatencyMs) => Sync(RecentOrdersCore(userId, dbLatencyMs, false, default));
    public Task<IReadOnlyList<OrderSummary>> RecentOrdersAsync(int userId, int dbLatencyMs, CancellationToken ct) => Async(RecentOrdersCore(userId, dbLatencyMs, true, ct), ct);

    public Task PingAsync(CancellationToken ct) =>
        Async(new ValueTask<BsonDocument>(client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: ct)), ct);

    /// <summary>Seeds if needed, then waits (a few seconds at most) for the driver to open minPoolSize connections.</summary>
    public async Task EnsureSeededAsync(CancellationToken ct)
    {
        await Async(new ValueTask<bool>(SeedAsync(ct)), ct).ConfigureAwait(false);
        try { await pool.Warm.WaitAsync(connection.ConnectTimeout + connection.ServerSelectionTimeout, ct).ConfigureAwait(false); }
        catch (TimeoutException) { logger.LogWarning("The MongoDB pool holds {Open} of its {Min} warm connections after start-up", pool.Open, connection.MinPoolSize); }
    }

    async Task<bool> SeedAsync(CancellationToken ct)
    {
        await new MongoSeeder(_db, logger).EnsureSeededAsync(seed, ct).ConfigureAwait(false);
        return true;
    }

    public IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?>
    {
        ["hosts"] = connection.Hosts,
        ["database"] = connection.Database,
        ["driver"] = "MongoDB.Driver " + typeof(MongoClient).Assembly.GetName().Version?.ToString(3),
        ["maxPoolSize"] = connection.MaxPoolSize,
        ["minPoolSize"] = connection.MinPoolSize,
        ["openConnections"] = pool.Open,
        ["inUseConnections"] = pool.InUse,
        ["connectionOpenFailures"] = pool.OpenFailures,
        ["checkoutTimeouts"] = pool.CheckoutTimeouts,
        ["serverSelectionTimeoutMs"] = (int)connection.ServerSelectionTimeout.TotalMilliseconds,
        ["connectTimeoutMs"] = (int)connection.ConnectTimeout.TotalMilliseconds,
        ["waitQueueTimeoutMs"] = (int)connection.WaitQueueTimeout.TotalMilliseconds,
        ["latencyKnob"] = "server-side JavaScript sleep() ($where, $function)",
        ["latencyError"] = _latencyError,
    };

    async ValueTask<IReadOnlyList<ProductSummary>> FeaturedCore(int ms, bool async, CancellationToken ct)
    {
        var pipeline = new List<BsonDocument>
        {
            Stage("$sort", new BsonDocument { { "stock", -1 }, { "_id", 1 } }),
            Stage("$limit", IStoreBackend.FeaturedCount),
            Stage("$facet", new BsonDocument("items", new BsonArray { Stage("$project", SummaryFields()) })),
        };
        var result = await OneFacet(Products, pipeline, ms, async, ct).ConfigureAwait(false);
        return Docs(result, "items").Select(ReadSummary).ToList();
    }

    async ValueTask<ProductPage> SearchCore(string search, int page, int ms, bool async, CancellationToken ct)
    {
        var filter = new BsonDocument();
        if (search.Length > 0)
        {
            var regex = new BsonRegularExpression(EscapeRegex(search), "i");
            filter.Add("$or", new BsonArray { new BsonDocument("name", regex), new BsonDocument("category", regex) });
        }
        var pipeline = new List<BsonDocument>
        {
            Stage("$match", filter),
            Stage("$facet", new BsonDocument
            {
                { "total", new BsonArray { Stage("$count", "n") } },
                { "items", new BsonArray
                    {
                        Stage("$sort", new BsonDocument("_id", 1)),
                        Stage("$skip", (page - 1) * IStoreBackend.PageSize),
                        Stage("$limit", IStoreBackend.PageSize),
                        Stage("$project", SummaryFields()),
                    }
                },
            }),
        };
        var result = await OneFacet(Products, pipeline, ms, async, ct).ConfigureAwait(false);
        var total = Docs(result, "total").Select(d => d["n"].ToInt32()).FirstOrDefault();
        return new ProductPage(search, page, IStoreBackend.PageSize, total, Docs(result, "items").Select(ReadSummary).ToList());
    }

    async ValueTask<Product?> FindProductCore(int id, int ms, bool async, CancellationToken ct)
    {
        var doc = await FindById(Products, id, ms, async, ct).ConfigureAwait(false);
        return doc is null ? null : new Product(doc["_id"].ToInt32(), doc["name"].AsString, doc["category"].AsString,
            doc["description"].AsString, Money(doc, "price"), doc["stock"].ToInt32());
    }

    async ValueTask<UserAccount?> FindUserCore(int id, int ms, bool async, CancellationToken ct)
    {
        var doc = await FindById(Users, id, ms, async, ct).ConfigureAwait(false);
        return doc is null ? null : new UserAccount(doc["_id"].ToInt32(), doc["name"].AsString, doc["email"].AsString, doc["isActive"].AsBoolean);
    }

    async ValueTask<IReadOnlyList<OrderSummary>> RecentOrdersCore(int userId, int ms, bool async, CancellationToken ct)
    {
        var lineTotals = new BsonDocument("$map", new BsonDocument
        {
            { "input", "$lines" },
            { "as", "l" },
            { "in", new BsonDocument("$multiply", new BsonArray { "$$l.quantity", "$$l.unitPrice" }) },
        });
        var pipeline = new List<BsonDocument>
        {
            Stage("$match", new BsonDocument("userId", userId)),
            Stage("$sort", new BsonDocument { { "placedAt", -1 }, { "_id", -1 } }),
            Stage("$limit", IStoreBackend.RecentOrderCount),
            Stage("$facet", new BsonDocument("orders", new BsonArray
            {
                Stage("$project", new BsonDocument
                {
                    { "placedAt", 1 },
                    { "status", 1 },
                    { "lines", new BsonDocument("$size", "$lines") },
                    { "total", new BsonDocument("$sum", lineTotals) },
                }),
            })),
        };
        var result = await OneFacet(Orders, pipeline, ms, async, ct).ConfigureAwait(false);
        return Docs(result, "orders").Select(d => new OrderSummary(d["_id"].ToInt64(), d["placedAt"].ToUniversalTime(),
            d["status"].AsString, d["lines"].ToInt32(), Money(d, "total"))).ToList();
    }

    async ValueTask<BsonDocument?> FindById(string collection, int id, int ms, bool async, CancellationToken ct)
    {
        var filter = new BsonDocument("_id", id);
        if (ms > 0) filter.Add("$where", $"sleep({ms}) || true");
        var find = _db.GetCollection<BsonDocument>(collection).Find(filter).Limit(1);
        try
        {
            var doc = async ? await find.FirstOrDefaultAsync(ct).ConfigureAwait(false) : find.FirstOrDefault();
            if (ms > 0) _latencyError = null;
            return doc;
        }
        catch (MongoCommandException e) when (ms > 0 && RefusesJavaScript(e)) { throw LatencyRefused(e); }
    }

    async ValueTask<BsonDocument> OneFacet(string collection, List<BsonDocument> pipeline, int ms, bool async, CancellationToken ct)
    {
        if (ms > 0)
            pipeline.Add(Stage("$match", new BsonDocument("$expr", new BsonDocument("$function", new BsonDocument
            {
                { "body", "function(ms) { sleep(ms); return true; }" }, { "args", new BsonArray { ms } }, { "lang", "js" },
            }))));
        var coll = _db.GetCollection<BsonDocument>(collection);
        PipelineDefinition<BsonDocument, BsonDocument> definition = pipeline;
        List<BsonDocument> docs;
        try
        {
            docs = async ? await AggregateAsync(coll, definition, ct).ConfigureAwait(false) : coll.Aggregate(definition).ToList();
            if (ms > 0) _latencyError = null;
        }
        catch (MongoCommandException e) when (ms > 0 && RefusesJavaScript(e)) { throw LatencyRefused(e); }
        return docs.Count == 1 ? docs[0] : throw new FormatException($"a $facet aggregation returned {docs.Count} documents instead of 1");
    }

    static async Task<List<BsonDocument>> AggregateAsync(IMongoCollection<BsonDocument> coll, PipelineDefinition<BsonDocument, BsonDocument> pipeline, CancellationToken ct)
    {
        using var cursor = await coll.AggregateAsync(pipeline, cancellationToken: ct).ConfigureAwait(false);
        return await cursor.ToListAsync(ct).ConfigureAwait(false);
    }

    /// <summary>A refused latency knob is a configuration problem the health page should name plainly, not a 500.</summary>
    StoreUnavailableException LatencyRefused(MongoCommandException e)
    {
        _latencyError = $"MongoDB refused the latency knob's server-side JavaScript: {e.ErrorMessage} (code {e.Code}). " +
            "Enable JavaScript on the server (security.javascriptEnabled: true) or set the database latency to 0.";
        logger.LogWarning("{Error}", _latencyError);
        return new StoreUnavailableException(_latencyError, e);
    }

    /// <summary>The sync path never awaits anything incomplete: it is the driver's blocking API, run to the end here.</summary>
    static T Sync<T>(ValueTask<T> operation)
    {
        try
        {
            if (!operation.IsCompleted) throw new InvalidOperationException("the synchronous MongoDB path went asynchronous");
            return operation.GetAwaiter().GetResult();
        }
        catch (Exception e) when (IsUnavailable(e)) { throw Unavailable(e); }
    }

    static async Task<T> Async<T>(ValueTask<T> operation, CancellationToken ct)
    {
        try { return await operation.ConfigureAwait(false); }
        catch (Exception e) when (!ct.IsCancellationRequested && IsUnavailable(e)) { throw Unavailable(e); }
    }

    /// <summary>
    /// The driver's ways of saying "no server": server selection or pool checkout timed out (TimeoutException), a
    /// connection failed or its pool is paused after one did (MongoConnectionException, MongoClientException), or
    /// the server is stepping down or shutting down (state-change errors).
    /// </summary>
    internal static bool IsUnavailable(Exception e) => e switch
    {
        TimeoutException or MongoConnectionException or MongoConnectionPoolPausedException or MongoWaitQueueFullException => true,
        MongoNodeIsRecoveringException or MongoNotPrimaryException => true,
        MongoCommandException c => c.Code is 91 or 11600 or 11602 or 189, // ShutdownInProgress, InterruptedAtShutdown, InterruptedDueToReplStateChange, PrimarySteppedDown
        _ => false,
    };

    static StoreUnavailableException Unavailable(Exception e) => new($"MongoDB is unreachable: {e.Message}{StarvationHint(e)}", e);

    /// <summary>
    /// The driver's synchronous connect waits for Socket.ConnectAsync, whose completion needs a thread-pool thread: under
    /// a starved pool no new connection opens (docs/running-on-mongodb.md). Said in the log and health view when it happens.
    /// </summary>
    static string StarvationHint(Exception e) =>
        ThreadPool.PendingWorkItemCount > 0 && (e.ToString().Contains("Timed out connecting", StringComparison.Ordinal))
            ? $" (the thread pool is starved, {ThreadPool.PendingWorkItemCount} work items waiting: the driver cannot open a connection until a pool thread is free; open connections still serve)"
            : "";

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

    static BsonDocument Stage(string name, BsonValue value) => new(name, value);
    static BsonDocument SummaryFields() => new() { { "name", 1 }, { "category", 1 }, { "price", 1 } };
    static IEnumerable<BsonDocument> Docs(BsonDocument doc, string name) => doc[name].AsBsonArray.Select(v => v.AsBsonDocument);

    static ProductSummary ReadSummary(BsonDocument d) => new(d["_id"].ToInt32(), d["name"].AsString, d["category"].AsString, Money(d, "price"));

    /// <summary>Cents, at scale 2 as PostgreSQL's numeric(10,2) gives them (decimal128 keeps 104.9 as 104.9), so both backends answer alike.</summary>
    static decimal Money(BsonDocument doc, string name) => decimal.Round(doc[name] switch
    {
        BsonDecimal128 d => Decimal128.ToDecimal(d.Value),
        BsonInt32 i => i.Value,
        BsonInt64 l => l.Value,
        var other => throw new FormatException($"field '{name}' is {other.BsonType}, expected decimal128"),
    }, 2) + 0.00m;
}
