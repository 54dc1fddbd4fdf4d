using System.Text.Json;
using System.Text.Json.Serialization;
using LiveDash.LoadTests.Agent;
using LiveDash.LoadTests.Scenarios;
using LiveDash.Site;

namespace LiveDash.Load;

/// <summary>The body of POST /admin/api/load/runs, as bound by <see cref="StrictBody.ReadAsync{T}"/>; null is "left out" except where refused.</summary>
sealed record RunStartBody(
    [property: JsonConverter(typeof(NullRefused<string>))] string? Scenario,
    string? Path,
    int? Users,
    double? Rate,
    [property: JsonConverter(typeof(NullRefused<double?>))] double? DurationSeconds,
    double? WarmUpSeconds,
    string[]? Agents,
    bool AgentLines) : IStrictBody
{
    const string Shape = "{\"scenario\":\"url\",\"path\":\"/api/ping\",\"rate\":200,\"durationSeconds\":30,\"agents\":[\"a\",\"b\"]}";
    const int MaxPathLength = 2000;

    public static ApiError NotAnObject => new($"the body must be a JSON object like {Shape}", "body");

    public static ApiError Unknown(string field) =>
        new($"unknown field '{field}'; a run takes scenario, path, users or rate, durationSeconds, warmUpSeconds, agents, agentLines", field);

    public static string? MustBe(string field) => field switch
    {
        "scenario" => "scenario must be a scenario name",
        "path" => "path must be a path like /api/products/1",
        "users" => $"users must be a whole number from 1 to {ScenarioFile.MaxCopies}",
        "rate" => $"rate must be a number of arrivals per second, more than 0 and at most {ScenarioFile.MaxRate}",
        "durationSeconds" => $"durationSeconds must be a number of seconds from 1 to {LoadApi.MaxDurationSeconds:0}",
        "warmUpSeconds" => $"warmUpSeconds must be a number of seconds from 0 to {LoadAgent.MaxWarmUpSeconds:0} (load sent first and not counted; the scenario's own when left out)",
        "agents" => "agents must be a list of agent names, like [\"a\",\"b\"] (GET /admin/api/load/agents lists them)",
        "agentLines" => "agentLines must be true or false",
        _ => null,
    };

    /// <summary>The run this body asks for, with its scenario resolved and its warm-up decided; or why not.</summary>
    public (RunRequest? Run, ApiError? Error) ToRequest()
    {
        if (Path is { Length: 0 or > MaxPathLength }) return Refused("path");
        if (Users is < 1 or > ScenarioFile.MaxCopies) return Refused("users");
        if (Rate is not (null or (> 0 and <= ScenarioFile.MaxRate))) return Refused("rate");
        if (DurationSeconds is not (null or (>= 1 and <= LoadApi.MaxDurationSeconds))) return Refused("durationSeconds");
        if (WarmUpSeconds is not (null or (>= 0 and <= LoadAgent.MaxWarmUpSeconds))) return Refused("warmUpSeconds");
        if (Agents is not null && Agents.Any(a => a is not { Length: > 0 })) return Refused("agents");

        var scenarios = LoadAgent.AgentScenarios();
        if (Scenario is null) return (null, new ApiError($"scenario is required: one of {string.Join(", ", scenarios)}", "scenario"));
        if (DurationSeconds is not { } duration) return (null, new ApiError($"durationSeconds is required (1 to {LoadApi.MaxDurationSeconds:0})", "durationSeconds"));
        if (Users is not null && Rate is not null) return (null, new ApiError("give users (closed model) or rate (open model), not both", "users"));
        if (!scenarios.Contains(Scenario)) return (null, new ApiError($"unknown scenario '{Scenario}'; agents run {string.Join(", ", scenarios)}", "scenario"));
        if (Scenario == ScenarioCatalog.Url && Path is null) return (null, new ApiError("path is required for the url scenario, e.g. /api/ping or /api/orders?user=7", "path"));
        if (Scenario != ScenarioCatalog.Url && Path is not null) return (null, new ApiError($"path applies to the url scenario only (scenario here: {Scenario})", "path"));
        Scenario resolved;
        try
        {
            resolved = ScenarioCatalog.Resolve(Scenario, new ScenarioOverrides(TimeSpan.FromSeconds(duration), Path: Path));
        }
        catch (ScenarioException e)
        {
            var field = e.Message.Contains("--path", StringComparison.Ordinal) ? "path" : "scenario";
            return (null, new ApiError(e.Message.Replace("options --path: ", "path ", StringComparison.Ordinal), field));
        }
        var open = Rate is not null || (Users is null && resolved.IsOpen);
        // As the load runner does, a warm-up is never longer than the run itself.
        var warmUpSeconds = Math.Min(WarmUpSeconds ?? resolved.WarmUp.TotalSeconds, duration);
        return (new RunRequest(Scenario, Path, Users, Rate, duration, Agents, AgentLines, open, warmUpSeconds), null);
    }

    static (RunRequest?, ApiError?) Refused(string field) => (null, new ApiError(MustBe(field)!, field));
}

/// <summary>The body of PATCH /admin/api/load/runs/{id}: users or rate, and agentLines; none of them may be null.</summary>
sealed record RunChangeBody(
    [property: JsonConverter(typeof(NullRefused<int?>))] int? Users,
    [property: JsonConverter(typeof(NullRefused<double?>))] double? Rate,
    [property: JsonConverter(typeof(NullRefused<bool?>))] bool? AgentLines) : IStrictBody
{
    public static ApiError NotAnObject => new("the body must be a JSON object like {\"rate\":300} or {\"users\":50}", "body");

    public static ApiError Unknown(string field) => new($"unknown field '{field}'; a change takes users or rate (and agentLines)", field);

    public static string? MustBe(string field) => field switch
    {
        "users" => $"users must be a whole number from 0 to {ScenarioFile.MaxCopies}",
        "rate" => $"rate must be a number of arrivals per second from 0 to {ScenarioFile.MaxRate}",
        "agentLines" => "agentLines must be true or false",
        _ => null,
    };

    /// <summary>Why this change is refused, or null.</summary>
    public ApiError? Refusal()
    {
        if (Users is < 0 or > ScenarioFile.MaxCopies) return new ApiError(MustBe("users")!, "users");
        if (Rate is not (null or (>= 0 and <= ScenarioFile.MaxRate))) return new ApiError(MustBe("rate")!, "rate");
        if (Users is not null && Rate is not null) return new ApiError("give users or rate, not both", "users");
        if (Users is null && Rate is null && AgentLines is null) return new ApiError("give users or rate (or agentLines)", "body");
        return null;
    }
}

/// <summary>A body <see cref="StrictBody.ReadAsync{T}"/> binds: what it answers when the JSON does not fit it.</summary>
interface IStrictBody
{
    /// <summary>The body is not JSON, or not an object.</summary>
    static abstract ApiError NotAnObject { get; }

    /// <summary>A field the body does not take.</summary>
    static abstract ApiError Unknown(string field);

    /// <summary>What <paramref name="field"/> must be (its message when refused), or null when the body has no such field.</summary>
    static abstract string? MustBe(string field);
}

/// <summary>Binds a request body with System.Text.Json strictly: a wrong type, a null where none is allowed and an unknown field are refused naming the field.</summary>
static class StrictBody
{
    // camelCase names matched exactly, numbers only as JSON numbers (not strings), no field the body does not have.
    static readonly JsonSerializerOptions Options = new(JsonSerializerOptions.Web)
    {
        PropertyNameCaseInsensitive = false,
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static async Task<(T? Body, ApiError? Error)> ReadAsync<T>(HttpRequest request) where T : class, IStrictBody
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, request.HttpContext.RequestAborted);
            return body is null ? (null, T.NotAnObject) : (body, null);
        }
        // Not JSON at all (the reader's own error inside) is the body's fault, whatever field it stopped in.
        catch (JsonException e) when (e.InnerException is not JsonException && ApiProblem.JsonField(e.Path) is { } field)
        {
            return (null, T.MustBe(field) is { } mustBe ? new ApiError(mustBe, field) : T.Unknown(field));
        }
        catch (JsonException)
        {
            return (null, T.NotAnObject);
        }
    }
}

/// <summary>Refuses a JSON null for a field that may be left out but not given as null.</summary>
sealed class NullRefused<T> : JsonConverter<T>
{
    public override bool HandleNull => true;

    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? throw new JsonException() : Inner(options).Read(ref reader, typeToConvert, options);

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => Inner(options).Write(writer, value, options);

    static JsonConverter<T> Inner(JsonSerializerOptions options) => (JsonConverter<T>)options.GetConverter(typeof(T));
}
