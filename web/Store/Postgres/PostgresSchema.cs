namespace LiveDash.Store.Postgres;

static class PostgresSchema
{
    /// <summary>Bumped when tables or indexes change, so an older seed is rebuilt.</summary>
    public const int Version = 2;

    public const string Drop = """
        DROP TABLE IF EXISTS order_lines, orders, products, users, livedash_seed CASCADE;
        """;

    public const string Create = """
        CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, is_active boolean NOT NULL);
        CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, category text NOT NULL,
            description text NOT NULL, price numeric(10,2) NOT NULL, stock int NOT NULL);
        CREATE TABLE orders (id bigint PRIMARY KEY, user_id int NOT NULL, placed_at timestamptz NOT NULL, status text NOT NULL);
        CREATE TABLE order_lines (order_id bigint NOT NULL, line_no int NOT NULL, product_id int NOT NULL,
            quantity int NOT NULL, unit_price numeric(10,2) NOT NULL, PRIMARY KEY (order_id, line_no));
        CREATE TABLE livedash_seed (version int NOT NULL, users int NOT NULL, products int NOT NULL,
            orders int NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now());
        """;

    // Indexes and keys after COPY: building them once is much faster than maintaining them per row.
    public const string AfterLoad = """
        -- Covering indexes: a user's recent orders and their lines come from index-only scans.
        CREATE INDEX orders_user_recent ON orders (user_id, placed_at DESC, id DESC) INCLUDE (status);
        CREATE INDEX order_lines_totals ON order_lines (order_id) INCLUDE (quantity, unit_price);
        ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);
        ALTER TABLE order_lines ADD FOREIGN KEY (order_id) REFERENCES orders (id);
        ALTER TABLE order_lines ADD FOREIGN KEY (product_id) REFERENCES products (id);
        """;

    // The latency knob: the database itself waits, inside the statement that uses it. Called from an
    // uncorrelated sub-select, it runs exactly once per statement, before any row is read.
    public const string WaitFunction = """
        CREATE OR REPLACE FUNCTION livedash_db_wait(ms int) RETURNS boolean
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            IF ms > 0 THEN PERFORM pg_sleep(ms / 1000.0); END IF;
            RETURN true;
        END $$;
        """;
}
