using LiveDash.Admin;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using LiveDashOptions = LiveDash.Admin.LiveDashOptions;

namespace LiveDash.Tests.Admin;

public class AdminPasswordTests
{
    sealed class Env(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";
        public string ApplicationName { get; set; } = "LiveDash";
        public string ContentRootPath { get; set; } = root;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }

    /// <summary>The options the app would bind from these configuration values.</summary>
    static LiveDashOptions Config(Dictionary<string, string?> values)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var options = new LiveDashOptions();
        config.GetSection(LiveDashOptions.Section).Bind(options);
        LiveDashOptions.Fallback(options, config);
        return options;
    }

    [Fact]
    public void WithoutAPasswordOneIsGeneratedKeptPrivateShownOnceAndReused()
    {
        var state = Directory.CreateTempSubdirectory("livedash-pw-").FullName;
        try
        {
            var config = Config(new() { ["LiveDash:StateDir"] = state });
            var terminal = new StringWriter();
            var first = new AdminPassword(config, new Env(state), terminal);
            var file = Path.Combine(state, "admin-password");
            var saved = File.ReadAllText(file).Trim();
            Assert.True(saved.Length >= 20);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Contains(saved, terminal.ToString());
            Assert.True(first.Matches(saved));
            Assert.False(first.Matches(saved + "x"));
            Assert.False(first.Matches(saved[..^1]));
            var again = new StringWriter();
            var second = new AdminPassword(config, new Env(state), again);
            Assert.True(second.Matches(saved));
            Assert.Equal("", again.ToString());
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public void TheConfiguredPasswordWinsOverTheEnvironmentVariableAndBothGoThroughConfiguration()
    {
        var state = Directory.CreateTempSubdirectory("livedash-pw-").FullName;
        try
        {
            var both = new AdminPassword(Config(new() { ["LiveDash:AdminPassword"] = "host-setting", ["LIVEDASH_ADMIN_PASSWORD"] = "shell", ["LiveDash:StateDir"] = state }), new Env(state), TextWriter.Null);
            Assert.True(both.Matches("host-setting"));
            Assert.False(both.Matches("shell"));
            var shellOnly = new AdminPassword(Config(new() { ["LIVEDASH_ADMIN_PASSWORD"] = "shell", ["LiveDash:StateDir"] = state }), new Env(state), TextWriter.Null);
            Assert.True(shellOnly.Matches("shell"));
            Assert.False(File.Exists(Path.Combine(state, "admin-password")));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
