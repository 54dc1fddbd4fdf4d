using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace LiveDash.Store.Postgres;

/// <summary>Creates the schema and bulk-loads the deterministic seed with binary COPY, once.</summary>
sealed class PostgresSeeder(NpgsqlDataSource dataSource, ILogger logger)
{
    const long AdvisoryLockKey = 0x4C69766544617368; // "LiveDash"
    const int SeedVersion = SeedData.Version * 1000 + PostgresSchema.Version;

    public async Task EnsureSeededAsync(SeedData seed, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await Execute(conn, $"SELECT pg_advisory_lock({AdvisoryLockKey})", ct);
        try
        {
            await Execute(conn, PostgresSchema.WaitFunction, ct);
            if (await IsSeeded(conn, seed, ct)) return;
            var clock = Stopwatch.StartNew();
            logger.LogInformation("Seeding PostgreSQL: {Users} users, {Products} products, {Orders} orders", seed.Users, seed.Products, seed.Orders);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await Execute(conn, PostgresSchema.Drop + PostgresSchema.Create, ct);
            await CopyUsers(conn, seed, ct);
            await CopyProducts(conn, seed, ct);
            await CopyOrders(conn, seed, ct);
            await Execute(conn, PostgresSchema.AfterLoad, ct);
            await Execute(conn, $"INSERT INTO livedash_seed (version, users, products, orders) VALUES ({SeedVersion}, {seed.Users}, {seed.Products}, {seed.Orders})", ct);
            await tx.CommitAsync(ct);
            // Outside the transaction: VACUUM sets the visibility map that index-only scans rely on.
            await Execute(conn, "VACUUM ANALYZE", ct);
            logger.LogInformation("Seeded PostgreSQL in {Seconds:F1} s", clock.Elapsed.TotalSeconds);
        }
        finally
        {
            await Execute(conn, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    static async Task<bool> IsSeeded(NpgsqlConnection conn, SeedData seed, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT count(*) FROM livedash_seed WHERE version = $1 AND users = $2 AND products = $3 AND orders = $4
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = SeedVersion });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = seed.Users });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = seed.Products });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = seed.Orders });
        try { return (long)(await cmd.ExecuteScalarAsync(ct))! > 0; }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return false; }
    }

    static async Task CopyUsers(NpgsqlConnection conn, SeedData seed, CancellationToken ct)
    {
        await using var import = await conn.BeginBinaryImportAsync("COPY users (id, name, email, is_active) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var u in seed.GenerateUsers())
        {
            await import.StartRowAsync(ct);
            await import.WriteAsync(u.Id, NpgsqlDbType.Integer, ct);
            await import.WriteAsync(u.Name, NpgsqlDbType.Text, ct);
            await import.WriteAsync(u.Email, NpgsqlDbType.Text, ct);
            await import.WriteAsync(u.IsActive, NpgsqlDbType.Boolean, ct);
        }
        await import.CompleteAsync(ct);
    }

    static async Task CopyProducts(NpgsqlConnection conn, SeedData seed, CancellationToken ct)
    {
        await using var import = await conn.BeginBinaryImportAsync("COPY products (id, name, category, description, price, stock) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var p in seed.GenerateProducts())
        {
            await import.StartRowAsync(ct);
            await import.WriteAsync(p.Id, NpgsqlDbType.Integer, ct);
            await import.WriteAsync(p.Name, NpgsqlDbType.Text, ct);
            await import.WriteAsync(p.Category, NpgsqlDbType.Text, ct);
            await import.WriteAsync(p.Description, NpgsqlDbType.Text, ct);
            await import.WriteAsync(p.Price, NpgsqlDbType.Numeric, ct);
            await import.WriteAsync(p.Stock, NpgsqlDbType.Integer, ct);
        }
        await import.CompleteAsync(ct);
    }

    static async Task CopyOrders(NpgsqlConnection conn, SeedData seed, CancellationToken ct)
    {
        // Two COPY streams cannot share one connection, so orders go first and lines are kept compactly.
        var lines = new List<SeedOrderLine>(seed.Orders * 3);
        await using (var import = await conn.BeginBinaryImportAsync("COPY orders (id, user_id, placed_at, status) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var (order, orderLines) in seed.GenerateOrders())
            {
                await import.StartRowAsync(ct);
                await import.WriteAsync(order.Id, NpgsqlDbType.Bigint, ct);
                await import.WriteAsync(order.UserId, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(order.PlacedAt, NpgsqlDbType.TimestampTz, ct);
                await import.WriteAsync(order.Status, NpgsqlDbType.Text, ct);
                lines.AddRange(orderLines);
            }
            await import.CompleteAsync(ct);
        }
        await using (var import = await conn.BeginBinaryImportAsync("COPY order_lines (order_id, line_no, product_id, quantity, unit_price) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var line in lines)
            {
                await import.StartRowAsync(ct);
                await import.WriteAsync(line.OrderId, NpgsqlDbType.Bigint, ct);
                await import.WriteAsync(line.LineNo, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(line.ProductId, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(line.Quantity, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(line.UnitPrice, NpgsqlDbType.Numeric, ct);
            }
            await import.CompleteAsync(ct);
        }
    }

    static async Task Execute(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
