using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
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
    ILogger<FarmSettingsSync> logger) : IHostedService
{
    public const string RemoteChannelPrefix = "farm:";
    const int ChangeLogCapacity = 500;

    // The settings as a JSON object with the same names the admin API uses (mode, dbLatencyMs, minThreads, ...),
    // serialized from SettingsSnapshot and read back as SettingsUpdate, so a new setting needs no change here.
    internal static readonly JsonSerializerOptions SettingsJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    readonly BlockingCollection<SettingsChange> _local = new();
    readonly CancellationTokenSource _abandon = new();
    readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    long _appliedVersion;
    int _writesPending;

    /// <summary>Loads the farm's settings and change log before the app serves (a database that is down delays start by a few seconds at most).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        settings.Changed += OnChanged;
        try
        {
            using (var schema = database.DataSource.CreateCommand(FarmSql.CreateSchema)) schema.ExecuteNonQuery();
            RestoreChangeLog();
            Load(startup: true);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning("Farm settings could not be read from the database at start; using the configured ones until it answers: {Message}", e.Message);
        }
        // Its own thread with the blocking driver API: a starved thread pool (the very thing LiveDash shows) must not hold a settings change back.
        new Thread(WriteLoop) { IsBackground = true, Name = "LiveDash farm settings writer" }.Start();
        return Task.CompletedTask;
    }

    /// <summary>Stores the changes still queued (for up to 2 s) before stopping, so a change made just before a restart survives it.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        settings.Changed -= OnChanged;
        _local.CompleteAdding();
        try
        {
            await _writerDone.Task.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            logger.LogWarning("Stopping before every settings change was stored in the database");
            _abandon.Cancel();
        }
    }

    void OnChanged(SettingsChange change)
    {
        if (change.Channel.StartsWith(RemoteChannelPrefix, StringComparison.Ordinal)) return;   // came from the farm: never echo it back
        Interlocked.Increment(ref _writesPending);
        try
        {
            _local.Add(change);
        }
        catch (InvalidOperationException)
        {
            Interlocked.Decrement(ref _writesPending);   // stopping: too late to store it
        }
    }

    /// <summary>Writes local changes in order; while the database is down it keeps them and retries every second.</summary>
    void WriteLoop()
    {
        var batch = new List<SettingsChange>();
        try
        {
            foreach (var first in _local.GetConsumingEnumerable(_abandon.Token))
            {
                batch.Add(first);
                while (_local.TryTake(out var more)) batch.Add(more);
                while (batch.Count > 0)
                {
                    try
                    {
                        Write(batch);
                        Interlocked.Add(ref _writesPending, -batch.Count);
                        batch.Clear();
                    }
                    catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
                    {
                        logger.LogWarning("Could not store {Count} settings change(s) for the farm; retrying every second: {Message}", batch.Count, e.Message);
                        if (_abandon.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1))) return;
                        while (_local.TryTake(out var more)) batch.Add(more);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _writerDone.TrySetResult();
        }
    }

    void Write(List<SettingsChange> changes)
    {
        var current = JsonSerializer.SerializeToNode(settings.Current, SettingsJson)!.AsObject();
        var merged = new JsonObject();
        foreach (var change in changes)
            if (current[change.Field] is { } value) merged[change.Field] = value.DeepClone();
        var reset = changes.Any(c => c.Field == "reset");

        using var connection = database.DataSource.OpenConnection();
        using var tx = connection.BeginTransaction();
        string? document = null;
        long version = 0;
        if (merged.Count > 0)
        {
            using var merge = new NpgsqlCommand(FarmSql.MergeSettings, connection, tx);
            merge.Parameters.Add(new() { Value = farm.Farm });
            merge.Parameters.Add(new() { Value = merged.ToJsonString() });
            merge.Parameters.Add(new() { Value = farm.Instance });
            using var reader = merge.ExecuteReader();
            reader.Read();
            document = reader.GetString(0);
            version = reader.GetInt64(1);
        }
        foreach (var change in changes)
        {
            using var log = new NpgsqlCommand(FarmSql.InsertChange, connection, tx);
            foreach (var value in new object[] { farm.Farm, change.At, farm.Instance, change.Channel, change.Field, change.OldValue, change.NewValue })
                log.Parameters.Add(new() { Value = value });
            log.ExecuteNonQuery();
        }
        if (document is not null) Notify(connection, tx, FarmMessage.Settings(version, farm.Instance, document));
        if (reset) Notify(connection, tx, FarmMessage.Reset(farm.Instance));
        tx.Commit();
        if (version > 0) AdvanceVersion(version);
    }

    void Notify(NpgsqlConnection connection, NpgsqlTransaction tx, string payload)
    {
        using var notify = new NpgsqlCommand(FarmSql.Notify, connection, tx);
        notify.Parameters.Add(new() { Value = farm.Channel });
        notify.Parameters.Add(new() { Value = payload });
        notify.ExecuteNonQuery();
    }

    /// <summary>
    /// Reads the farm's row and applies it. At start, settings given explicitly to this process (environment,
    /// command line) win and are written to the farm; a farm seen for the first time gets this instance's settings.
    /// After a reconnect (on the listener's thread) it catches up on notifications it may have missed.
    /// </summary>
    public void Load(bool startup)
    {
        if (!startup && Volatile.Read(ref _writesPending) > 0) return;   // our own unsent changes are newer; the writer sends them first
        string? document = null;
        long version = 0;
        using (var read = database.DataSource.CreateCommand(FarmSql.ReadSettings))
        {
            read.Parameters.Add(new() { Value = farm.Farm });
            using var reader = read.ExecuteReader();
            if (reader.Read()) { document = reader.GetString(0); version = reader.GetInt64(1); }
        }
        if (document is null)
        {
            using var insert = database.DataSource.CreateCommand(FarmSql.InsertSettingsIfNew);
            insert.Parameters.Add(new() { Value = farm.Farm });
            insert.Parameters.Add(new() { Value = JsonSerializer.Serialize(settings.Current, SettingsJson) });
            insert.Parameters.Add(new() { Value = farm.Instance });
            if (insert.ExecuteNonQuery() == 1) AdvanceVersion(1);
            else Load(startup);   // another instance created it first
            return;
        }
        var stored = JsonNode.Parse(document)!.AsObject();
        var explicitFields = startup ? ExplicitlyConfigured(stored) : [];
        foreach (var field in explicitFields) stored.Remove(field);
        ApplyDocument(version, stored.ToJsonString(), startup ? RemoteChannelPrefix + "restored" : RemoteChannelPrefix + "resync");
        var current = JsonSerializer.SerializeToNode(settings.Current, SettingsJson)!.AsObject();
        var before = JsonNode.Parse(document)!.AsObject();
        foreach (var field in explicitFields)
            if (!JsonNode.DeepEquals(before[field], current[field]))
                OnChanged(new SettingsChange(DateTimeOffset.UtcNow, "startup", field, before[field]?.ToString() ?? "", current[field]?.ToString() ?? ""));
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

    void RestoreChangeLog()
    {
        using var read = database.DataSource.CreateCommand(FarmSql.RecentChanges);
        read.Parameters.Add(new() { Value = farm.Farm });
        read.Parameters.Add(new() { Value = ChangeLogCapacity });
        var history = new List<SettingsChange>();
        using (var reader = read.ExecuteReader())
            while (reader.Read())
            {
                var instance = reader.GetString(1);
                var channel = instance == farm.Instance ? reader.GetString(2) : RemoteChannelPrefix + instance;
                history.Add(new SettingsChange(reader.GetFieldValue<DateTimeOffset>(0), channel, reader.GetString(3), reader.GetString(4), reader.GetString(5)));
            }
        settings.RestoreHistory(history);
    }
}
