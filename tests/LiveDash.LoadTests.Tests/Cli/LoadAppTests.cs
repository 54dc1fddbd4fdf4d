using System.Text.Json;
using LiveDash.LoadTests.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LiveDash.LoadTests.Tests.Cli;

[Collection(TimingCollection.Name)]
public sealed class LoadAppTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("loadapp-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static async Task<(int Exit, string Output, string Errors)> Run(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await new LoadApp(output, errors).RunAsync(args);
        return (exit, output.ToString(), errors.ToString());
    }

    string ScenarioFile(string thresholds)
    {
        var path = Path.Combine(_folder, "slow.json");
        File.WriteAllText(path, $$"""
            { "name": "slow", "steps": [ { "path": "/slow" } ],
              "loadSimulations": [ { "kind": "KeepConstant", "copies": 2, "during": "1s" } ],
              "thresholds": [ {{thresholds}} ] }
            """);
        return path;
    }

    static Task<StubServer> SlowServer() => StubServer.StartAsync(app => app.MapGet("/slow", async () =>
    {
        await Task.Delay(20);
        return "ok";
    }));

    [Fact]
    public async Task AFailedThresholdExitsWithThreeAndSaysWhichFailed()
    {
        await using var server = await SlowServer();

        var (exit, output, _) = await Run("load", ScenarioFile("\"p99 < 5ms\", \"errors < 1%\""), "--target", server.Address.ToString(),
            "--report", Path.Combine(_folder, "report"), "--no-dashboard");

        Assert.Equal(ExitCodes.ThresholdsFailed, exit);
        Assert.Contains("thresholds failed: p99 < 5ms (measured", output);
        Assert.DoesNotContain("FAILED: errors < 1%", output);
        Assert.Contains("requests/s: ", output);
    }

    [Fact]
    public async Task PassingThresholdsExitWithZero()
    {
        await using var server = await SlowServer();

        var (exit, output, errors) = await Run("load", ScenarioFile("\"p99 < 5s\", \"errors < 1%\", \"rps > 10\""), "--target", server.Address.ToString(),
            "--report", Path.Combine(_folder, "report"), "--no-dashboard");

        Assert.True(exit == ExitCodes.Ok, output + errors);
        Assert.Contains("threshold passed: rps > 10", output);
    }

    [Fact]
    public async Task AnUnreachableTargetIsOneLineAndExitFour()
    {
        var (exit, _, errors) = await Run("load", "url", "--path", "/", "--target", "http://127.0.0.1:9", "--no-dashboard");

        Assert.Equal(ExitCodes.TargetUnreachable, exit);
        Assert.Single(errors.Trim().Split('\n'));
        Assert.Contains("unreachable", errors);
    }

    [Fact]
    public async Task ARemoteTargetIsRefusedWithoutAllowRemote()
    {
        var (exit, _, errors) = await Run("load", "url", "--path", "/", "--target", "http://192.0.2.1:5000");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--allow-remote", errors);
    }

    [Fact]
    public async Task ABadScenarioFileNamesTheFileTheFieldAndTheAllowedValues()
    {
        var path = Path.Combine(_folder, "bad.json");
        File.WriteAllText(path, """{ "name": "bad", "steps": [ { "path": "/" } ], "loadSimulations": [ { "kind": "Constant", "copies": 1, "during": "1s" } ] }""");

        var (exit, _, errors) = await Run("load", path, "--target", "http://127.0.0.1:9");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(path, errors);
        Assert.Contains("loadSimulations[0].kind", errors);
        Assert.Contains("KeepConstant, RampingConstant, Inject, RampingInject", errors);
    }

    [Theory]
    [InlineData("--rate", "0", "--rate must be from 1")]
    [InlineData("--duration", "-3", "--duration must be more than 0")]
    [InlineData("--max-requests", "0", "--max-requests must be at least 1")]
    [InlineData("--warm-up", "-1", "--warm-up must be from 0")]
    [InlineData("--warm-up", "601", "--warm-up must be from 0")]
    public async Task BadOptionsSayWhatTheyAccept(string option, string value, string message)
    {
        var (exit, _, errors) = await Run("load", "url", "--path", "/", "--target", "http://127.0.0.1:9", option, value);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(message, errors);
    }

    [Fact]
    public async Task AWarmUpIsSentFirstAndCountedNowhere()
    {
        var served = 0;
        await using var server = await StubServer.StartAsync(app => app.MapGet("/hit", () =>
        {
            Interlocked.Increment(ref served);
            return "ok";
        }));

        var (exit, output, errors) = await Run("load", "url", "--path", "/hit", "--rate", "50", "--duration", "2", "--warm-up", "2",
            "--target", server.Address.ToString(), "--report", Path.Combine(_folder, "report"), "--no-dashboard");

        Assert.True(exit == ExitCodes.Ok, output + errors);
        Assert.Contains("after a 2s warm-up", output);
        var counted = long.Parse(System.Text.RegularExpressions.Regex.Match(output, @"requests: (\d+) in").Groups[1].Value);
        // 50/s for 2 s of warm-up and 2 measured: the server saw both, the run counts the second half only.
        Assert.InRange(counted, 10, 105);
        Assert.True(Volatile.Read(ref served) >= counted + 10, $"the server saw {served} requests, the run counted {counted}");
    }

    [Fact]
    public async Task TheUrlScenarioNeedsAPath()
    {
        var (exit, _, errors) = await Run("load", "url", "--users", "2", "--target", "http://127.0.0.1:9");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--path", errors);
    }

    [Fact]
    public async Task ClientFiguresArePostedToTheDashboardWithBasicAuth()
    {
        var ticks = new List<(string? Authorization, JsonElement Body)>();
        await using var server = await StubServer.StartAsync(app =>
        {
            app.MapGet("/hit", () => "ok");
            app.MapPost("/admin/api/client-ticks", async (HttpRequest request) =>
            {
                var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
                lock (ticks) ticks.Add((request.Headers.Authorization.ToString(), body));
                return Results.Ok();
            });
        });

        var (exit, output, errors) = await Run("load", "url", "--path", "/hit", "--rate", "50", "--duration", "3", "--target", server.Address.ToString(),
            "--admin-password", "secret", "--report", Path.Combine(_folder, "report"));

        Assert.True(exit == ExitCodes.Ok, output + errors);
        lock (ticks)
        {
            Assert.NotEmpty(ticks);
            Assert.All(ticks, t => Assert.Equal("Basic " + Convert.ToBase64String("admin:secret"u8.ToArray()), t.Authorization));
            var tick = ticks[^1].Body;
            Assert.Equal("url", tick.GetProperty("run").GetString());
            Assert.True(tick.GetProperty("t").GetInt64() > 1_700_000_000_000);
            Assert.True(tick.GetProperty("rps").GetInt64() > 0);
            Assert.True(tick.TryGetProperty("p50", out _) && tick.TryGetProperty("p99", out _) && tick.TryGetProperty("errors", out _));
        }
    }
}
