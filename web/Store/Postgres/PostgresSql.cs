namespace LiveDash.Store.Postgres;

/// <summary>The store's statements; $n parameters, each applying the database latency itself.</summary>
static class PostgresSql
{
    public const string Featured = """
        SELECT id, name, category, price FROM products
        WHERE (SELECT livedash_db_wait($1))
        ORDER BY stock DESC, id LIMIT 12
        """;

    public const string SearchCount = """
        SELECT count(*)::int FROM products
        WHERE (SELECT livedash_db_wait($1)) AND ($2 = '' OR name ILIKE $3 OR category ILIKE $3)
        """;

    public const string SearchPage = """
        SELECT id, name, category, price FROM products
        WHERE ($1 = '' OR name ILIKE $2 OR category ILIKE $2)
        ORDER BY id LIMIT $3 OFFSET $4
        """;

    public const string FindProduct = """
        SELECT id, name, category, description, price, stock FROM products
        WHERE id = $1 AND (SELECT livedash_db_wait($2))
        """;

    public const string FindUser = """
        SELECT id, name, email, is_active FROM users
        WHERE id = $1 AND (SELECT livedash_db_wait($2))
        """;

    public const string RecentOrders = """
        SELECT o.id, o.placed_at, o.status, count(*)::int AS lines, sum(l.quantity * l.unit_price) AS total
        FROM (SELECT id, placed_at, status FROM orders
              WHERE user_id = $1 AND (SELECT livedash_db_wait($2))
              ORDER BY placed_at DESC, id DESC LIMIT 20) o
        JOIN order_lines l ON l.order_id = o.id
        GROUP BY o.id, o.placed_at, o.status
        ORDER BY o.placed_at DESC, o.id DESC
        """;
}
