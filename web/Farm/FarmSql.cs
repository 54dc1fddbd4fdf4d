namespace LiveDash.Farm;

/// <summary>The farm's tables, created by the app (idempotent), beside the store's.</summary>
static class FarmSql
{
    // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog: instances starting together take turns.
    public const string CreateSchema = """
        SELECT pg_advisory_xact_lock(7164411);
        CREATE TABLE IF NOT EXISTS livedash_farm_settings (
            farm text PRIMARY KEY,
            settings jsonb NOT NULL,
            version bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            updated_by text NOT NULL);
        CREATE TABLE IF NOT EXISTS livedash_farm_changes (
            id bigserial PRIMARY KEY,
            farm text NOT NULL,
            at timestamptz NOT NULL,
            instance text NOT NULL,
            channel text NOT NULL,
            field text NOT NULL,
            old_value text NOT NULL,
            new_value text NOT NULL);
        CREATE INDEX IF NOT EXISTS livedash_farm_changes_recent ON livedash_farm_changes (farm, id DESC);
        CREATE SEQUENCE IF NOT EXISTS livedash_farm_run_ids;
        CREATE TABLE IF NOT EXISTS livedash_farm_load_events (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT now(),
            body text NOT NULL);
        """;

    /// <summary>Load runs' ids are unique across every farm on the database.</summary>
    public const string NextRunId = "SELECT nextval('livedash_farm_run_ids')";

    /// <summary>A load event too long for a NOTIFY payload (8000 bytes): stored, and its id NOTIFYed.</summary>
    public const string StoreLoadEvent = "INSERT INTO livedash_farm_load_events (body) VALUES ($1) RETURNING id";
    public const string ReadLoadEvent = "SELECT body FROM livedash_farm_load_events WHERE id = $1";
    public const string ForgetLoadEvents = "DELETE FROM livedash_farm_load_events WHERE at < now() - interval '10 minutes'";

    public const string ReadSettings = "SELECT settings::text, version FROM livedash_farm_settings WHERE farm = $1";

    /// <summary>Creates the farm's row if it is new; an existing row is left as it is.</summary>
    public const string InsertSettingsIfNew = """
        INSERT INTO livedash_farm_settings (farm, settings, version, updated_by) VALUES ($1, $2::jsonb, 1, $3)
        ON CONFLICT (farm) DO NOTHING
        """;

    /// <summary>Merges only the fields that changed, so two instances changing different fields at once both win.</summary>
    public const string MergeSettings = """
        INSERT INTO livedash_farm_settings (farm, settings, version, updated_by) VALUES ($1, $2::jsonb, 1, $3)
        ON CONFLICT (farm) DO UPDATE SET settings = livedash_farm_settings.settings || EXCLUDED.settings,
            version = livedash_farm_settings.version + 1, updated_at = now(), updated_by = EXCLUDED.updated_by
        RETURNING settings::text, version
        """;

    public const string InsertChange = """
        INSERT INTO livedash_farm_changes (farm, at, instance, channel, field, old_value, new_value) VALUES ($1, $2, $3, $4, $5, $6, $7)
        """;

    public const string RecentChanges = """
        SELECT at, instance, channel, field, old_value, new_value FROM livedash_farm_changes
        WHERE farm = $1 ORDER BY id DESC LIMIT $2
        """;

    public const string Notify = "SELECT pg_notify($1, $2)";
}
