using System.Text.Json;
using System.Text.RegularExpressions;

namespace LiveDash.LoadTests.Scenarios;

/// <summary>
/// Reads a scenario from JSON strictly: an unknown field, a wrong type or a value out of range is an
/// error that names the file, the field and what is allowed.
/// </summary>
public static partial class ScenarioFile
{
    static readonly string[] TopFields = ["name", "description", "steps", "variables", "loadSimulations", "warmUp", "thresholds", "maxInFlight", "dropAfter", "requestTimeout", "server"];
    static readonly string[] StepFields = ["name", "path", "method", "thinkTime"];
    static readonly string[] SimulationKinds = ["KeepConstant", "RampingConstant", "Inject", "RampingInject"];
    static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "DELETE"];
    public const int MaxCopies = 10_000;
    public const int MaxRate = 100_000;

    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9_]*)\}")]
    internal static partial Regex Placeholder();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex NamePattern();

    public static Scenario Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException(path, "file", $"cannot be read: {e.Message}");
        }
        return Parse(json, path);
    }

    public static Scenario Parse(string json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ScenarioException(source, "JSON", $"is not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }
        using (doc)
        {
            var reader = new Reader(source);
            return reader.Scenario(doc.RootElement);
        }
    }

    sealed class Reader(string source)
    {
        ScenarioException Error(string field, string problem) => new(source, field, problem);

        public Scenario Scenario(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object) throw Error("(root)", "must be a JSON object with fields " + string.Join(", ", TopFields));
            RejectUnknown(root, "", TopFields);

            var name = RequiredString(root, "name");
            if (!NamePattern().IsMatch(name)) throw Error("name", $"must be lower-case letters, digits, '-' or '_', got \"{name}\"");
            var description = OptionalString(root, "description") ?? "";

            var variables = Variables(root);
            var steps = Steps(root, variables);
            var simulations = Simulations(root);
            var thresholds = Thresholds(root);

            var scenario = new Scenario(name, description, steps, simulations, variables, thresholds) { Source = source };
            if (root.TryGetProperty("warmUp", out var warmUp)) scenario = scenario with { WarmUp = Duration(warmUp, "warmUp", allowZero: true) };
            if (root.TryGetProperty("dropAfter", out var dropAfter)) scenario = scenario with { DropAfter = Duration(dropAfter, "dropAfter", allowZero: false) };
            if (root.TryGetProperty("requestTimeout", out var timeout)) scenario = scenario with { RequestTimeout = Duration(timeout, "requestTimeout", allowZero: false) };
            if (root.TryGetProperty("maxInFlight", out var maxInFlight)) scenario = scenario with { MaxInFlight = Whole(maxInFlight, "maxInFlight", 1, MaxCopies) };
            if (root.TryGetProperty("server", out var server))
            {
                if (server.ValueKind != JsonValueKind.Object) throw Error("server", "must be an object like { \"dbLatencyMs\": 25 }");
                RejectUnknown(server, "server.", ["dbLatencyMs"]);
                if (server.TryGetProperty("dbLatencyMs", out var latency)) scenario = scenario with { ServerDbLatencyMs = Whole(latency, "server.dbLatencyMs", 0, 5000) };
            }
            return scenario;
        }

        Dictionary<string, ScenarioVariable> Variables(JsonElement root)
        {
            var variables = new Dictionary<string, ScenarioVariable>(StringComparer.Ordinal);
            if (!root.TryGetProperty("variables", out var element)) return variables;
            if (element.ValueKind != JsonValueKind.Object) throw Error("variables", "must be an object mapping names to \"1..100\", [\"a\", \"b\"] or { \"from\": 1, \"to\": 100, \"skipMultiplesOf\": 20 }");
            foreach (var property in element.EnumerateObject())
            {
                var field = $"variables.{property.Name}";
                var value = property.Value;
                variables[property.Name] = value.ValueKind switch
                {
                    JsonValueKind.String when RangeText(value.GetString()!) is { } range => range,
                    JsonValueKind.Array when value.GetArrayLength() > 0 && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String)
                        => new ScenarioVariable(0, 0, value.EnumerateArray().Select(v => v.GetString()!).ToArray()),
                    JsonValueKind.Object => RangeObject(value, field),
                    _ => throw Error(field, $"must be a range \"1..100\", a non-empty list of strings, or {{ \"from\": 1, \"to\": 100, \"skipMultiplesOf\": 20 }}; got {value.GetRawText()}"),
                };
            }
            return variables;
        }

        static ScenarioVariable? RangeText(string text)
        {
            var parts = text.Split("..");
            return parts.Length == 2 && long.TryParse(parts[0], out var from) && long.TryParse(parts[1], out var to) && from <= to
                ? new ScenarioVariable(from, to)
                : null;
        }

        ScenarioVariable RangeObject(JsonElement value, string field)
        {
            RejectUnknown(value, field + ".", ["from", "to", "skipMultiplesOf"]);
            var from = Whole(Required(value, "from", field + ".from"), field + ".from", 0, int.MaxValue);
            var to = Whole(Required(value, "to", field + ".to"), field + ".to", from, int.MaxValue);
            var skip = value.TryGetProperty("skipMultiplesOf", out var s) ? Whole(s, field + ".skipMultiplesOf", 2, int.MaxValue) : 0;
            return new ScenarioVariable(from, to, null, skip);
        }

        List<ScenarioStep> Steps(JsonElement root, Dictionary<string, ScenarioVariable> variables)
        {
            var element = Required(root, "steps", "steps");
            if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
                throw Error("steps", "must be a non-empty array of { \"name\": ..., \"path\": \"/api/...\", \"method\": \"GET\", \"thinkTime\": \"1s\" }");
            var steps = new List<ScenarioStep>();
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                var field = $"steps[{index++}]";
                if (item.ValueKind != JsonValueKind.Object) throw Error(field, "must be an object with fields " + string.Join(", ", StepFields));
                RejectUnknown(item, field + ".", StepFields);
                var path = RequiredString(item, "path", field + ".path");
                if (!path.StartsWith('/')) throw Error(field + ".path", $"must start with '/' (a path on the target), got \"{path}\"");
                foreach (Match m in Placeholder().Matches(path))
                    if (!variables.ContainsKey(m.Groups[1].Value))
                        throw Error(field + ".path", $"uses {{{m.Groups[1].Value}}} but variables defines only: {(variables.Count == 0 ? "(none)" : string.Join(", ", variables.Keys))}");
                var method = (OptionalString(item, "method", field + ".method") ?? "GET").ToUpperInvariant();
                if (!Methods.Contains(method)) throw Error(field + ".method", $"must be one of {string.Join(", ", Methods)}, got \"{method}\"");
                var name = OptionalString(item, "name", field + ".name") ?? path;
                var step = new ScenarioStep(name, path, method);
                if (item.TryGetProperty("thinkTime", out var think)) step = step with { ThinkTime = Duration(think, field + ".thinkTime", allowZero: true) };
                steps.Add(step);
            }
            return steps;
        }

        List<LoadSimulation> Simulations(JsonElement root)
        {
            var element = Required(root, "loadSimulations", "loadSimulations");
            if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
                throw Error("loadSimulations", "must be a non-empty array, e.g. [{ \"kind\": \"Inject\", \"rate\": 100, \"interval\": \"1s\", \"during\": \"30s\" }]");
            var simulations = new List<LoadSimulation>();
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                var field = $"loadSimulations[{index++}]";
                if (item.ValueKind != JsonValueKind.Object) throw Error(field, "must be an object with a kind: " + string.Join(", ", SimulationKinds));
                var kind = RequiredString(item, "kind", field + ".kind");
                var canonical = SimulationKinds.FirstOrDefault(k => k.Equals(kind, StringComparison.OrdinalIgnoreCase))
                    ?? throw Error(field + ".kind", $"must be one of {string.Join(", ", SimulationKinds)}, got \"{kind}\"");
                var closed = canonical is "KeepConstant" or "RampingConstant";
                RejectUnknown(item, field + ".", closed ? ["kind", "copies", "during"] : ["kind", "rate", "interval", "during"]);
                var during = Duration(Required(item, "during", field + ".during"), field + ".during", allowZero: false);
                if (closed)
                {
                    var copies = Whole(Required(item, "copies", field + ".copies"), field + ".copies", canonical == "RampingConstant" ? 0 : 1, MaxCopies);
                    simulations.Add(canonical == "KeepConstant" ? new KeepConstant(copies, during) : new RampingConstant(copies, during));
                }
                else
                {
                    var rate = Whole(Required(item, "rate", field + ".rate"), field + ".rate", canonical == "RampingInject" ? 0 : 1, MaxRate);
                    var interval = item.TryGetProperty("interval", out var i) ? Duration(i, field + ".interval", allowZero: false) : TimeSpan.FromSeconds(1);
                    simulations.Add(canonical == "Inject" ? new Inject(rate, interval, during) : new RampingInject(rate, interval, during));
                }
            }
            return simulations;
        }

        List<Threshold> Thresholds(JsonElement root)
        {
            var list = new List<Threshold>();
            if (!root.TryGetProperty("thresholds", out var element)) return list;
            if (element.ValueKind != JsonValueKind.Array) throw Error("thresholds", "must be an array of strings like \"p99 < 500ms\"");
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                var field = $"thresholds[{index++}]";
                if (item.ValueKind != JsonValueKind.String || !Threshold.TryParse(item.GetString()!, out var threshold))
                    throw Error(field, $"must be {Threshold.Allowed}; got {item.GetRawText()}");
                list.Add(threshold!);
            }
            return list;
        }

        void RejectUnknown(JsonElement element, string prefix, string[] allowed)
        {
            foreach (var property in element.EnumerateObject())
                if (!allowed.Contains(property.Name))
                    throw Error(prefix + property.Name, $"is not a known field; allowed here: {string.Join(", ", allowed)}");
        }

        JsonElement Required(JsonElement element, string name, string field) =>
            element.TryGetProperty(name, out var value) ? value : throw Error(field, "is required");

        string RequiredString(JsonElement element, string name, string? field = null)
        {
            var value = Required(element, name, field ?? name);
            return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s
                ? s
                : throw Error(field ?? name, $"must be a non-empty string, got {value.GetRawText()}");
        }

        string? OptionalString(JsonElement element, string name, string? field = null)
        {
            if (!element.TryGetProperty(name, out var value)) return null;
            return value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw Error(field ?? name, $"must be a string, got {value.GetRawText()}");
        }

        int Whole(JsonElement value, string field, long min, long max) =>
            value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= min && n <= max
                ? (int)n
                : throw Error(field, $"must be a whole number from {min} to {max}, got {value.GetRawText()}");

        TimeSpan Duration(JsonElement value, string field, bool allowZero)
        {
            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            };
            if (!DurationText.TryParse(text, out var duration) || (!allowZero && duration <= TimeSpan.Zero) || duration > TimeSpan.FromDays(1))
                throw Error(field, $"must be {DurationText.Allowed}{(allowZero ? "" : ", greater than zero")}; got {value.GetRawText()}");
            return duration;
        }
    }
}
