namespace LiveDash.Mongo;

public sealed record FindOptions(BsonDocument? Sort = null, BsonDocument? Projection = null, int? Skip = null, int? Limit = null,
    int? BatchSize = null, bool SingleBatch = false, int? Take = null);

/// <summary>
/// The commands LiveDash needs, over one <see cref="MongoConnectionPool"/>. Each method takes
/// <c>async</c>: false blocks the calling thread in socket calls, true awaits them (see <see cref="MongoConnection"/>).
/// </summary>
public sealed class MongoClient(MongoUrl url) : IDisposable
{
    public MongoConnectionPool Pool { get; } = new(url);
    public MongoUrl Url => url;

    public async ValueTask<BsonDocument> RunCommandAsync(BsonDocument command, bool async, CancellationToken ct, DocumentSequence? sequence = null, string? database = null)
    {
        var connection = await Pool.CheckOutAsync(async, ct).ConfigureAwait(false);
        try
        {
            return Check(await connection.RunAsync(database ?? url.Database, command, sequence, async, ct).ConfigureAwait(false), command);
        }
        catch (MongoConnectionException)
        {
            // One broken connection means its idle siblings are suspect too (server restarted, network dropped).
            Pool.Clear();
            throw;
        }
        finally
        {
            Pool.CheckIn(connection);
        }
    }

    public ValueTask<List<BsonDocument>> FindAsync(string collection, BsonDocument filter, FindOptions options, bool async, CancellationToken ct)
    {
        var command = new BsonDocument { { "find", collection }, { "filter", filter } };
        if (options.Sort is not null) command.Add("sort", options.Sort);
        if (options.Projection is not null) command.Add("projection", options.Projection);
        if (options.Skip is { } skip) command.Add("skip", skip);
        if (options.Limit is { } limit) command.Add("limit", limit);
        if (options.BatchSize is { } batchSize) command.Add("batchSize", batchSize);
        if (options.SingleBatch) command.Add("singleBatch", true);
        return CursorAsync(command, collection, options.BatchSize, options.Take, async, ct);
    }

    public ValueTask<List<BsonDocument>> AggregateAsync(string collection, BsonArray pipeline, bool async, CancellationToken ct, int? batchSize = null)
    {
        var cursor = new BsonDocument();
        if (batchSize is { } size) cursor.Add("batchSize", size);
        var command = new BsonDocument { { "aggregate", collection }, { "pipeline", pipeline }, { "cursor", cursor } };
        return CursorAsync(command, collection, batchSize, null, async, ct);
    }

    /// <summary>Runs a cursor-returning command and drains it with getMore on the same connection; stops at <paramref name="take"/> and kills the cursor.</summary>
    async ValueTask<List<BsonDocument>> CursorAsync(BsonDocument command, string collection, int? batchSize, int? take, bool async, CancellationToken ct)
    {
        var connection = await Pool.CheckOutAsync(async, ct).ConfigureAwait(false);
        long cursorId = 0;
        var results = new List<BsonDocument>();
        try
        {
            var reply = Check(await connection.RunAsync(url.Database, command, null, async, ct).ConfigureAwait(false), command);
            cursorId = ReadBatch(reply, "firstBatch", results);
            while (cursorId != 0 && (take is null || results.Count < take))
            {
                var getMore = new BsonDocument { { "getMore", cursorId }, { "collection", collection } };
                if (batchSize is { } size) getMore.Add("batchSize", size);
                cursorId = ReadBatch(Check(await connection.RunAsync(url.Database, getMore, null, async, ct).ConfigureAwait(false), getMore), "nextBatch", results);
            }
            if (cursorId != 0) await KillCursorAsync(connection, collection, cursorId, async, ct).ConfigureAwait(false);
            if (take is { } max && results.Count > max) results.RemoveRange(max, results.Count - max);
            return results;
        }
        catch (MongoConnectionException)
        {
            Pool.Clear();
            throw;
        }
        catch (MongoCommandException) when (cursorId != 0 && !connection.IsBroken)
        {
            await KillCursorAsync(connection, collection, cursorId, async, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            Pool.CheckIn(connection);
        }
    }

    async ValueTask KillCursorAsync(MongoConnection connection, string collection, long cursorId, bool async, CancellationToken ct)
    {
        var kill = new BsonDocument { { "killCursors", collection }, { "cursors", new BsonArray { cursorId } } };
        Check(await connection.RunAsync(url.Database, kill, null, async, ct).ConfigureAwait(false), kill);
    }

    static long ReadBatch(BsonDocument reply, string batchName, List<BsonDocument> into)
    {
        var cursor = reply.TryGetValue("cursor", out var c) && c is BsonDocument doc ? doc : throw new MongoProtocolException("the server's reply has no cursor document");
        foreach (var item in cursor.Get<BsonArray>(batchName))
            into.Add(item as BsonDocument ?? throw new MongoProtocolException($"the cursor's {batchName} holds a non-document"));
        return MongoReply.Long(cursor["id"], "cursor.id");
    }

    /// <summary>Inserts in batches, each one OP_MSG with the documents in a kind 1 section; returns how many were inserted.</summary>
    public async ValueTask<long> InsertManyAsync(string collection, IEnumerable<BsonDocument> documents, int batchSize, bool async, CancellationToken ct)
    {
        long inserted = 0;
        foreach (var batch in documents.Chunk(batchSize))
        {
            var command = new BsonDocument { { "insert", collection }, { "ordered", true } };
            var reply = await RunCommandAsync(command, async, ct, new DocumentSequence("documents", batch)).ConfigureAwait(false);
            inserted += MongoReply.Long(reply["n"], "n");
        }
        return inserted;
    }

    public async ValueTask<long> CountAsync(string collection, BsonDocument filter, bool async, CancellationToken ct) =>
        MongoReply.Long((await RunCommandAsync(new BsonDocument { { "count", collection }, { "query", filter } }, async, ct).ConfigureAwait(false))["n"], "n");

    public async ValueTask CreateIndexesAsync(string collection, IEnumerable<(string Name, BsonDocument Keys)> indexes, bool async, CancellationToken ct)
    {
        var specs = new BsonArray(indexes.Select(i => (object?)new BsonDocument { { "key", i.Keys }, { "name", i.Name } }));
        await RunCommandAsync(new BsonDocument { { "createIndexes", collection }, { "indexes", specs } }, async, ct).ConfigureAwait(false);
    }

    /// <summary>Drops a collection; a missing one is fine.</summary>
    public async ValueTask DropAsync(string collection, bool async, CancellationToken ct)
    {
        try { await RunCommandAsync(new BsonDocument { { "drop", collection } }, async, ct).ConfigureAwait(false); }
        catch (MongoCommandException e) when (e.Code == 26 || e.ErrorMessage.Contains("ns not found", StringComparison.Ordinal)) { }
    }

    /// <summary>Turns <c>ok: 0</c>, write errors and write-concern errors into <see cref="MongoCommandException"/>.</summary>
    internal static BsonDocument Check(BsonDocument reply, BsonDocument command)
    {
        var name = command.Count > 0 ? command.Elements[0].Name : "command";
        if (!MongoReply.IsOk(reply))
            throw new MongoCommandException(name, MongoReply.Int(reply, "code", 0), reply.TryGetValue("codeName", out var cn) && cn is string s ? s : "", MongoReply.ErrorMessage(reply));
        if (reply.TryGetValue("writeErrors", out var we) && we is BsonArray { Count: > 0 } errors && errors[0] is BsonDocument first)
            throw new MongoCommandException(name, MongoReply.Int(first, "code", 0), "",
                $"{errors.Count} write error(s); the first, at index {MongoReply.Int(first, "index", -1)}: {MongoReply.ErrorMessage(first)}");
        if (reply.TryGetValue("writeConcernError", out var wce) && wce is BsonDocument concern)
            throw new MongoCommandException(name, MongoReply.Int(concern, "code", 0), "", "write concern error: " + MongoReply.ErrorMessage(concern));
        return reply;
    }

    public void Dispose() => Pool.Dispose();
}

/// <summary>The blocking half of every <c>async: bool</c> method of <see cref="MongoClient"/>.</summary>
public static class SyncPath
{
    /// <summary>Unwraps a ValueTask from an <c>async: false</c> call, which has already finished on this thread.</summary>
    public static T Result<T>(this ValueTask<T> task) => task.IsCompleted
        ? task.GetAwaiter().GetResult()
        : throw new InvalidOperationException("a synchronous MongoDB call did not complete synchronously");
}
