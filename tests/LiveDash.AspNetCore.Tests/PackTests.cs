using System.Diagnostics;
using System.IO.Compression;
using System.Net;

namespace LiveDash.AspNetCore.Tests;

/// <summary>
/// ./livedash pack, then a throwaway copy of the sample that knows the library only as a package from a local
/// folder: it restores, builds, runs and serves its dashboard, assets and summary with the three lines and no
/// using of ours, so the package carries everything (and its licence, README, XML docs, symbols and commit).
/// </summary>
public sealed class PackTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("livedash-pack-").FullName;

    static async Task<(int Code, string Output)> Run(string file, string workingDirectory, IDictionary<string, string>? env, params string[] args)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in env ?? new Dictionary<string, string>()) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task ThePackageRestoresIntoACleanCopyOfTheSampleWhichServesItsDashboard()
    {
        var root = SampleProcess.RepoRoot();
        var feed = Path.Combine(_dir, "feed");
        var (code, output) = await Run("bash", root, null, Path.Combine(root, "livedash"), "pack", "--output", feed);
        Assert.True(code == 0, "./livedash pack failed:\n" + output);

        var package = Assert.Single(Directory.GetFiles(feed, "LiveDash.AspNetCore.*.nupkg"), f => !f.EndsWith(".snupkg"));
        Assert.Single(Directory.GetFiles(feed, "LiveDash.AspNetCore.*.snupkg"));
        Assert.Single(Directory.GetFiles(feed, "LiveDash.Contracts.*.nupkg"), f => !f.EndsWith(".snupkg"));
        using (var zip = ZipFile.OpenRead(package))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("README.md", entries);
            Assert.Contains("LICENSE", entries);
            Assert.Contains("lib/net10.0/LiveDash.AspNetCore.xml", entries);
            Assert.Contains("staticwebassets/lib/chart.js/dist/chart.umd.min.js", entries);
            Assert.Contains("staticwebassets/lib/microsoft-signalr/dist/browser/signalr.min.js", entries);
            Assert.Contains("staticwebassets/js/dashboard.js", entries);
            using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open());
            var nuspec = await reader.ReadToEndAsync();
            Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
            Assert.Contains("<readme>README.md</readme>", nuspec);
            // The commit it was packed from (this repository is a git clone; its URL comes from origin or -p:RepositoryUrl).
            Assert.Matches("<repository type=\"git\"[^>]* commit=\"[0-9a-f]{40}\"", nuspec);
            using var license = new StreamReader(zip.GetEntry("LICENSE")!.Open());
            Assert.Contains("MIT License", await license.ReadToEndAsync());
            Assert.Contains("id=\"LiveDash.Contracts\"", nuspec);
        }
        var version = Path.GetFileNameWithoutExtension(package)["LiveDash.AspNetCore.".Length..];

        var app = Path.Combine(_dir, "app");
        Directory.CreateDirectory(app);
        File.Copy(Path.Combine(root, "samples", "MinimalApi", "Program.cs"), Path.Combine(app, "Program.cs"));
        await File.WriteAllTextAsync(Path.Combine(app, "MinimalApi.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LiveDash.AspNetCore" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        // The local folder for LiveDash.*, the usual source for anything else.
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="livedash-local" value="{feed}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="livedash-local"><package pattern="LiveDash.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        // A package cache of its own, so an older package of the same version cached elsewhere cannot stand in.
        var env = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_dir, "packages") };
        (code, output) = await Run("dotnet", app, env, "build", "-c", "Release", "-nologo", "-v", "q");
        Assert.True(code == 0, "the copy of the sample did not build on the package:\n" + output);
        Assert.True(Directory.Exists(Path.Combine(_dir, "packages", "livedash.aspnetcore", version)), "the package was not restored from the local folder");

        await using var sample = await SampleProcess.StartAsync(Path.Combine(app, "bin", "Release", "net10.0", "MinimalApi.dll"));
        for (var i = 0; i < 20; i++) (await sample.Client.GetAsync("async")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await sample.Client.GetAsync("livedash")).StatusCode);
        var chart = await sample.Client.GetAsync("livedash/assets/lib/chart.js/dist/chart.umd.min.js");
        Assert.Equal(HttpStatusCode.OK, chart.StatusCode);
        Assert.True((await chart.Content.ReadAsByteArrayAsync()).Length > 100_000, "Chart.js is served whole");
        Assert.Equal(HttpStatusCode.OK, (await sample.Client.GetAsync("livedash/assets/js/dashboard.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sample.Client.GetAsync("livedash/assets/lib/microsoft-signalr/dist/browser/signalr.min.js")).StatusCode);

        await Task.Delay(2200);   // the seconds of those requests complete
        var summary = await sample.SummaryAsync(60);   // all of this fresh app's seconds, however slowly a loaded machine sent them
        Assert.True(summary.GetProperty("requests").GetInt64() >= 20, summary.ToString());
        foreach (var part in new[] { "endToEnd", "inApp" })
            foreach (var field in new[] { "p50Ms", "p99Ms", "meanMs" })
                Assert.True(summary.GetProperty(part).GetProperty(field).GetDouble() > 0, $"{part}.{field} in {summary}");
        Assert.True(summary.GetProperty("endToEnd").TryGetProperty("measuredShare", out _), summary.ToString());
        Assert.True(summary.GetProperty("waitingForThread").TryGetProperty("p99Ms", out _), summary.ToString());
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
