using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using LiveDash.Admin;
using Npgsql;

namespace LiveDash.Farm;

/// <summary>
/// Keeps the settings and their change log in PostgreSQL for the whole farm. Local changes (RuntimeSettings.Changed)
/// are merged into the farm's row, logged and NOTIFYed; other instances' changes arrive through
/// <see cref="FarmListener"/> and are applied as "farm:&lt;instance&gt;", which this class never writes back.
/// RuntimeSettings stays the in-memory truth the requests read; nothing here is on the request path.
/// </summary>
public sealed class FarmSettingsSync(
    RuntimeSettings settings,
    FarmStatus farm,
    FarmDatabase database,
    IConfiguration config,
    ILogger<FarmSettingsSync> logger) : BackgroundService
{
    public const string RemoteChannelPrefix = "farm:";
    const int ChangeLogCapacity = 500;

    // The settings as a JSON object with the same names the admin API uses (mode, dbLatencyMs, minThreads, ...),
    // serialized from SettingsSnapshot and read back as SettingsUpdate, so a new setting needs no change here.
    internal static readonly JsonSerializerOptions SettingsJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    readonly Channel<SettingsChange> _local = Channel.CreateUnbounded<SettingsChange>(new() { SingleReader = true });
    long _appliedVersion;
    int _writesPending;

    /// <summary>Loads the farm's settings and change log before the app serves (bounded: a database that is down delays start by at most 5 s).</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        settings.Changed += OnChanged;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await using (var schema = database.DataSource.CreateCommand(FarmSql.CreateSchema))
                await schema.ExecuteNonQueryAsync(bounded.Token);
            await RestoreChangeLogAsync(bounded.Token);
            await LoadAsync(startup: true, bounded.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Farm settings could not be read from the database at start; using the configured ones until it answers: {Message}", e.Message);
        }
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Stores the changes still queued (for up to 2 s) before stopping, so a change made just before a restart survives it.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        settings.Changed -= OnChanged;
        _local.Writer.TryComplete();
        if (ExecuteTask is { } writer)
        {
            try
            {
                await writer.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                logger.LogWarning("Stopping before every settings change was stored in the database");
            }
        }
        await base.StopAsync(cancellationToken);
    }

    void OnChanged(SettingsChange change)
    {
        if (change.Channel.StartsWith(RemoteChannelPrefix, StringComparison.Ordinal)) return;   // came from the farm: never echo it back
        Interlocked.Increment(ref _writesPending);
        _local.Writer.TryWrite(change);
    }

    /// <summary>Writes local changes in order; while the database is down it keeps them and retries every second.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var retry = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var batch = new List<SettingsChange>();
        try
        {
            while (await _local.Reader.WaitToReadAsync(stoppingToken))
            {
                while (_local.Reader.TryRead(out var change)) batch.Add(change);
                while (batch.Count > 0)
                {
                    try
                    {
                        await WriteAsync(batch, stoppingToken);
                        Interlocked.Add(ref _writesPending, -batch.Count);
                        batch.Clear();
                    }
                    catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
                    {
                        logger.LogWarning("Could not store {Count} settings change(s) for the farm; retrying every second: {Message}", batch.Count, e.Message);
                        await retry.WaitForNextTickAsync(stoppingToken);
                        while (_local.Reader.TryRead(out var change)) batch.Add(change);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    async Task WriteAsync(List<SettingsChange> changes, CancellationToken ct)
    {
        if (changes.Count == 0) return;
        var current = JsonSerializer.SerializeToNode(settings.Current, SettingsJson)!.AsObject();
        var merged = new JsonObject();
        foreach (var change in changes)
            if (current[change.Field] is { } value) merged[change.Field] = value.DeepClone();
        var reset = changes.Any(c => c.Field == "reset");

        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        string? document = null;
        long version = 0;
        if (merged.Count > 0)
        {
            await using var merge = new NpgsqlCommand(FarmSql.MergeSettings, connection, tx);
            merge.Parameters.Add(new() { Value = farm.Farm });
            merge.Parameters.Add(new() { Value = merged.ToJsonString() });
            merge.Parameters.Add(new() { Value = farm.Instance });
            await using var reader = await merge.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            document = reader.GetString(0);
            version = reader.GetInt64(1);
        }
        foreach (var change in changes)
        {
            await using var log = new NpgsqlCommand(FarmSql.InsertChange, connection, tx);
            foreach (var value in new object[] { farm.Farm, change.At, farm.Instance, change.Channel, change.Field, change.OldValue, change.NewValue })
                log.Parameters.Add(new() { Value = value });
            await log.ExecuteNonQueryAsync(ct);
        }
        if (document is not null) await NotifyAsync(connection, tx, FarmMessage.Settings(version, farm.Instance, document), ct);
        if (reset) await NotifyAsync(connection, tx, FarmMessage.Reset(farm.Instance), ct);
        await tx.CommitAsync(ct);
        if (version > 0) AdvanceVersion(version);
    }

    async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string payload, CancellationToken ct)
    {
        await using var notify = new NpgsqlCommand(FarmSql.Notify, connection, tx);
        notify.Parameters.Add(new() { Value = farm.Channel });
        notify.Parameters.Add(new() { Value = payload });
        await notify.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Reads the farm's row and applies it. At start, settings given explicitly to this process (environment,
    /// command line) win and are written to the farm; a farm seen for the first time gets this instance's settings.
    /// After a reconnect it catches up on notifications it may have missed.
    /// </summary>
    public async Task LoadAsync(bool startup, CancellationToken ct)
    {
        if (!startup && Volatile.Read(ref _writesPending) > 0) return;   // our own unsent changes are newer; the writer sends them first
        string? document = null;
        long version = 0;
        await using (var read = database.DataSource.CreateCommand(FarmSql.ReadSettings))
        {
            read.Parameters.Add(new() { Value = farm.Farm });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct)) { document = reader.GetString(0); version = reader.GetInt64(1); }
        }
        if (document is null)
        {
            await using var insert = database.DataSource.CreateCommand(FarmSql.InsertSettingsIfNew);
            insert.Parameters.Add(new() { Value = farm.Farm });
            insert.Parameters.Add(new() { Value = JsonSerializer.Serialize(settings.Current, SettingsJson) });
            insert.Parameters.Add(new() { Value = farm.Instance });
            if (await insert.ExecuteNonQueryAsync(ct) == 1) { AdvanceVersion(1); return; }
            await LoadAsync(startup, ct);   // another instance created it first
            return;
        }
        var stored = JsonNode.Parse(document)!.AsObject();
        var explicitFields = startup ? ExplicitlyConfigured(stored) : [];
        foreach (var field in explicitFields) stored.Remove(field);
        ApplyDocument(version, stored.ToJsonString(), startup ? RemoteChannelPrefix + "restored" : RemoteChannelPrefix + "resync");
        var current = JsonSerializer.SerializeToNode(settings.Current, SettingsJson)!.AsObject();
        var stale = JsonNode.Parse(document)!.AsObject();
        foreach (var field in explicitFields)
            if (!JsonNode.DeepEquals(stale[field], current[field]))
                OnChanged(new SettingsChange(DateTimeOffset.UtcNow, "startup", field, stale[field]?.ToString() ?? "", current[field]?.ToString() ?? ""));
    }

    /// <summary>A settings document from the farm (a notification or a re-read); older versions than the one applied are ignored.</summary>
    public void ApplyDocument(long version, string document, string channel)
    {
        if (!AdvanceVersion(version)) return;
        SettingsUpdate? update;
        try
        {
            update = JsonSerializer.Deserialize<SettingsUpdate>(document, SettingsJson);
        }
        catch (JsonException e)
        {
            logger.LogWarning("Ignored farm settings version {Version}: {Message}", version, e.Message);
            return;
        }
        if (update is not null && settings.Apply(update, channel) is { } error)
            logger.LogWarning("Ignored farm settings version {Version}: {Field}: {Message}", version, error.Field, error.Message);
    }

    public void OnRemoteSettings(long version, string from, string document)
    {
        if (from == farm.Instance) { AdvanceVersion(version); return; }   // ours, already applied
        ApplyDocument(version, document, RemoteChannelPrefix + from);
    }

    public void OnRemoteReset(string from)
    {
        if (from != farm.Instance) settings.RequestReset(RemoteChannelPrefix + from);
    }

    bool AdvanceVersion(long version)
    {
        long seen;
        while (version > (seen = Volatile.Read(ref _appliedVersion)))
            if (Interlocked.CompareExchange(ref _appliedVersion, version, seen) == seen) return true;
        return false;
    }

    /// <summary>Fields of the stored document that this process was given outside the JSON settings files (environment, command line, test hosts).</summary>
    List<string> ExplicitlyConfigured(JsonObject stored)
    {
        if (config is not IConfigurationRoot root) return [];
        var fields = new List<string>();
        foreach (var (field, _) in stored)
        {
            var key = "LiveDash:" + field;
            if (root.Providers.Any(p => p is not Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider && p.TryGet(key, out _)))
                fields.Add(field);
        }
        return fields;
    }

    async Task RestoreChangeLogAsync(CancellationToken ct)
    {
        await using var read = database.DataSource.CreateCommand(FarmSql.RecentChanges);
        read.Parameters.Add(new() { Value = farm.Farm });
        read.Parameters.Add(new() { Value = ChangeLogCapacity });
        var history = new List<SettingsChange>();
        await using (var reader = await read.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                var instance = reader.GetString(1);
                var channel = instance == farm.Instance ? reader.GetString(2) : RemoteChannelPrefix + instance;
                history.Add(new SettingsChange(reader.GetFieldValue<DateTimeOffset>(0), channel, reader.GetString(3), reader.GetString(4), reader.GetString(5)));
            }
        settings.RestoreHistory(history);
    }
}
