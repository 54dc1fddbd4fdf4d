using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace LiveDash.Tests.Farm;

/// <summary>./livedash up starts one load agent named local beside the app; SIGTERM stops it with the rest.</summary>
public class UpAgentTests(ITestOutputHelper output)
{
    const string Password = "up-agent-secret";

    [Fact]
    public async Task UpStartsTheLocalAgentAndSigtermStopsIt()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var root = FarmUpTests.RepositoryRoot();
        var port = FarmUpTests.FreePorts(1);
        using var livedash = LivedashUp.Start(root, FarmApp.NewFarmName(), Password, "--port", port.ToString());
        var up = livedash.Process;
        var agentCommand = $"agent --server http://127.0.0.1:{port} --name local";
        try
        {
            await livedash.Ready.WaitAsync(TimeSpan.FromMinutes(3), ct);
            using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            admin.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + Password)));
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var agents = await admin.GetFromJsonAsync<JsonElement>("/admin/api/load/agents", ct);
                if (agents.EnumerateArray().Any(a => a.GetProperty("name").GetString() == "local" && a.GetProperty("state").GetString() == "idle")) break;
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"no idle agent named local after 60 s: {agents}");
                await Task.Delay(250, ct);
            }
            Assert.Single(FarmUpTests.ProcessesMatching(agentCommand));

            FarmUpTests.Signal(up.Id, "TERM");
            Assert.True(up.WaitForExit(60_000), "./livedash up did not stop within 60 s of SIGTERM");
            Assert.Equal(0, up.ExitCode);
            Assert.Empty(FarmUpTests.ProcessesMatching(agentCommand));
            Assert.Empty(FarmUpTests.ProcessesMatching($"--urls http://127.0.0.1:{port}"));
        }
        finally
        {
            output.WriteLine(livedash.Output);
            if (!up.HasExited) { FarmUpTests.Signal(up.Id, "TERM"); up.WaitForExit(30_000); }
            foreach (var pid in FarmUpTests.ProcessesMatching(agentCommand).Concat(FarmUpTests.ProcessesMatching($"--urls http://127.0.0.1:{port}")))
                try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
        }
    }
}
