namespace LiveDash.LoadTests.Scenarios;

/// <summary>Command-line changes to a scenario's load; null = as the scenario says.</summary>
public sealed record ScenarioOverrides(TimeSpan? Duration = null, int? Rate = null, int? Users = null, string? Path = null, TimeSpan? WarmUp = null);

/// <summary>The scenarios a run can name: the JSON files under scenarios/, url and lecture (C#), or a path to a JSON file.</summary>
public static class ScenarioCatalog
{
    public const string Url = "url";
    public const string Lecture = "lecture";
    static readonly TimeSpan UrlDefaultDuration = TimeSpan.FromSeconds(30);

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "scenarios");

    public static IReadOnlyList<(string Name, string Description)> List()
    {
        var list = new List<(string, string)>
        {
            (Url, "One path (--path) driven by --users N (closed) or --rate R per second (open); 30 s unless --duration."),
            (Lecture, "The lecture's three requests: two long (/api/orders), one short (/api/products/{id}), 300 ms apart, on one store worker (--workers N to change; 0 = the thread pool, with --users N background users, default 32); prints each one's timing, its time alone and the completion order, and draws them on the dashboard."),
        };
        if (System.IO.Directory.Exists(Directory))
            foreach (var file in System.IO.Directory.GetFiles(Directory, "*.json").Order())
            {
                try
                {
                    var scenario = ScenarioFile.Load(file);
                    list.Add((scenario.Name, scenario.Description));
                }
                catch (ScenarioException e)
                {
                    list.Add((System.IO.Path.GetFileNameWithoutExtension(file), "(invalid) " + e.Message));
                }
            }
        return list.OrderBy(s => s.Item1, StringComparer.Ordinal).ToList();
    }

    public static Scenario Resolve(string nameOrPath, ScenarioOverrides overrides)
    {
        if (overrides is { Rate: not null, Users: not null })
            throw new ScenarioException("options", "--rate/--users", "give one of --rate R (open model) or --users N (closed model), not both");
        if (nameOrPath == Url) return UrlScenario(overrides);
        if (nameOrPath == Lecture)
            return overrides with { Users = null } == new ScenarioOverrides()
                ? LiveDash.LoadTests.Lecture.LectureRun.Scenario
                : throw new ScenarioException("options", "--duration/--rate/--path/--warm-up", "the lecture scenario is three fixed requests and takes only --users N (its background users, default 32; 0 for none)");
        if (overrides.Path is not null)
            throw new ScenarioException("options", "--path", $"applies to the url scenario only (scenario here: {nameOrPath})");

        var file = nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || nameOrPath.Contains('/')
            ? nameOrPath
            : System.IO.Path.Combine(Directory, nameOrPath + ".json");
        if (!File.Exists(file))
        {
            var known = string.Join(", ", List().Select(s => s.Name));
            throw new ScenarioException(nameOrPath, "scenario", $"no such scenario or file; known scenarios: {known} (or give a path to a .json file)");
        }
        return Apply(ScenarioFile.Load(file), overrides);
    }

    static Scenario UrlScenario(ScenarioOverrides overrides)
    {
        var path = overrides.Path ?? throw new ScenarioException("options", "--path", "the url scenario needs --path, e.g. --path /api/products/1");
        if (!path.StartsWith('/')) throw new ScenarioException("options", "--path", $"must start with '/', got \"{path}\"");
        if (path.Contains('{')) throw new ScenarioException("options", "--path", "may not hold {placeholders}; write a scenario file to vary the path");
        var during = overrides.Duration ?? UrlDefaultDuration;
        LoadSimulation simulation = overrides.Rate is { } rate
            ? new Inject(rate, TimeSpan.FromSeconds(1), during)
            : new KeepConstant(overrides.Users ?? 10, during);
        return new Scenario(Url, $"{path} with {simulation.Describe()}", [new ScenarioStep(path, path)], [simulation],
            new Dictionary<string, ScenarioVariable>(), []) { WarmUp = overrides.WarmUp ?? TimeSpan.Zero };
    }

    static Scenario Apply(Scenario scenario, ScenarioOverrides overrides)
    {
        if (overrides.WarmUp is { } warmUp) scenario = scenario with { WarmUp = warmUp };
        var during = overrides.Duration ?? scenario.Duration;
        if (overrides.Users is { } users) return scenario with { LoadSimulations = [new KeepConstant(users, during)] };
        if (overrides.Rate is { } rate) return scenario with { LoadSimulations = [new Inject(rate, TimeSpan.FromSeconds(1), during)] };
        if (overrides.Duration is not { } wanted) return scenario;
        // Keep the scenario's shape (ramps, holds) and stretch or shrink it to the asked length.
        var scale = wanted / scenario.Duration;
        return scenario with
        {
            LoadSimulations = scenario.LoadSimulations.Select(s => s with { During = s.During * scale }).ToList(),
        };
    }
}
