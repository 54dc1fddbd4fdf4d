using LiveDash.LoadTests.Scenarios;

namespace LiveDash.LoadTests.Tests.Scenarios;

public class ScenarioFileTests
{
    const string Valid = """
        {
          "name": "shop",
          "variables": { "user": { "from": 1, "to": 100, "skipMultiplesOf": 20 }, "q": ["a", "b"] },
          "steps": [ { "name": "orders", "path": "/api/orders?user={user}&q={q}", "thinkTime": "250ms" } ],
          "warmUp": "2s",
          "loadSimulations": [
            { "kind": "RampingInject", "rate": 100, "interval": "1s", "during": "10s" },
            { "kind": "KeepConstant", "copies": 5, "during": "1m" }
          ],
          "thresholds": ["p99 < 0.5s", "errors < 1%", "rps >= 20"]
        }
        """;

    static ScenarioException Fails(string json) => Assert.Throws<ScenarioException>(() => ScenarioFile.Parse(json, "scenarios/x.json"));

    [Fact]
    public void AValidFileReadsEveryField()
    {
        var scenario = ScenarioFile.Parse(Valid, "scenarios/shop.json");

        Assert.Equal("shop", scenario.Name);
        Assert.Equal(TimeSpan.FromMilliseconds(250), scenario.Steps[0].ThinkTime);
        Assert.Equal(TimeSpan.FromSeconds(2), scenario.WarmUp);
        Assert.Equal(TimeSpan.FromSeconds(70), scenario.Duration);
        Assert.IsType<RampingInject>(scenario.LoadSimulations[0]);
        Assert.Equal(new KeepConstant(5, TimeSpan.FromMinutes(1)), scenario.LoadSimulations[1]);
        Assert.Equal(500, scenario.Thresholds[0].Limit);
        Assert.Equal("errors%", scenario.Thresholds[1].Metric);
        Assert.DoesNotContain(Enumerable.Range(0, 500).Select(_ => scenario.Variables["user"].Draw(Random.Shared)), u => int.Parse(u) % 20 == 0);
    }

    [Fact]
    public void AnUnknownSimulationKindNamesTheFieldAndTheKinds()
    {
        var e = Fails(Valid.Replace("\"RampingInject\"", "\"Ramp\""));

        Assert.Equal("loadSimulations[0].kind", e.Field);
        Assert.Contains("scenarios/x.json", e.Message);
        Assert.Contains("KeepConstant, RampingConstant, Inject, RampingInject", e.Message);
    }

    [Fact]
    public void AnUnknownFieldIsNamedWithTheAllowedOnes()
    {
        var e = Fails(Valid.Replace("\"warmUp\"", "\"warmup\""));

        Assert.Equal("warmup", e.Field);
        Assert.Contains("allowed here: name, description, steps", e.Message);
    }

    [Theory]
    [InlineData("\"copies\": 5", "\"copies\": 0", "loadSimulations[1].copies", "from 1 to 10000")]
    [InlineData("\"during\": \"1m\"", "\"during\": \"soon\"", "loadSimulations[1].during", "\"30s\"")]
    [InlineData("\"p99 < 0.5s\"", "\"p99 under 500\"", "thresholds[0]", "metric p50")]
    [InlineData("&q={q}", "&q={query}", "steps[0].path", "variables defines only: user, q")]
    [InlineData("\"path\": \"/api", "\"path\": \"api", "steps[0].path", "must start with '/'")]
    [InlineData("\"rate\": 100,", "\"rate\": \"fast\",", "loadSimulations[0].rate", "whole number from 0 to 100000")]
    public void BadValuesNameTheFieldAndWhatIsAllowed(string from, string to, string field, string allowed)
    {
        var e = Fails(Valid.Replace(from, to));

        Assert.Equal(field, e.Field);
        Assert.Contains(allowed, e.Message);
    }

    [Fact]
    public void MissingStepsAndInvalidJsonAreReported()
    {
        Assert.Equal("steps", Fails("""{ "name": "x", "loadSimulations": [] }""").Field);
        Assert.Equal("JSON", Fails("{ \"name\": ").Field);
    }

    [Fact]
    public void TheBuiltInScenarioFilesAreValid()
    {
        var files = Directory.GetFiles(ScenarioCatalog.Directory, "*.json");

        Assert.Contains(files, f => f.EndsWith("orders.json"));
        foreach (var file in files)
        {
            var scenario = ScenarioFile.Load(file);
            Assert.Equal(Path.GetFileNameWithoutExtension(file), scenario.Name);
            Assert.True(scenario.Duration <= TimeSpan.FromSeconds(600), $"{file} lasts {scenario.Duration}");
        }
    }

    [Fact]
    public void DurationOverrideKeepsTheScenarioShape()
    {
        var scenario = ScenarioCatalog.Resolve("spike", new ScenarioOverrides(Duration: TimeSpan.FromSeconds(9)));

        Assert.Equal(TimeSpan.FromSeconds(9), scenario.Duration);
        Assert.Equal(5, scenario.LoadSimulations.Count);
    }
}
