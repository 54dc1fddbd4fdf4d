using LiveDash.Admin;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

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

    [Fact]
    public void WithoutAPasswordOneIsGeneratedKeptPrivateAndReused()
    {
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LIVEDASH_ADMIN_PASSWORD")), "unset LIVEDASH_ADMIN_PASSWORD to run this test");
        var state = Directory.CreateTempSubdirectory("livedash-pw-").FullName;
        try
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["LiveDash:StateDir"] = state }).Build();
            var first = new AdminPassword(config, new Env(state), NullLogger<AdminPassword>.Instance);
            var file = Path.Combine(state, "admin-password");
            var saved = File.ReadAllText(file).Trim();
            Assert.True(saved.Length >= 20);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.True(first.Matches(saved));
            Assert.False(first.Matches(saved + "x"));
            var second = new AdminPassword(config, new Env(state), NullLogger<AdminPassword>.Instance);
            Assert.True(second.Matches(saved));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
