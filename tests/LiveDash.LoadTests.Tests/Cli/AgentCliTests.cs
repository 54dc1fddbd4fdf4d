using LiveDash.LoadTests.Cli;

namespace LiveDash.LoadTests.Tests.Cli;

public class AgentCliTests
{
    static async Task<(int Code, string Output, string Errors)> Run(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var code = await new LoadApp(output, errors).RunAsync(args);
        return (code, output.ToString(), errors.ToString());
    }

    [Fact]
    public async Task AnAgentForARemoteServerIsRefusedNamingTheOption()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "secret\n");
        try
        {
            var (code, _, errors) = await Run("agent", "--server", "http://10.20.30.40:5000", "--password-file", file);
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("--server", errors);
            Assert.Contains("--allow-remote", errors);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task BadNamesAndMissingPasswordFilesAreUsageErrors()
    {
        var (code, _, errors) = await Run("agent", "--server", "http://127.0.0.1:1", "--password-file", "/nonexistent/password");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--password-file", errors);

        var file = Path.GetTempFileName();
        File.WriteAllText(file, "secret");
        try
        {
            (code, _, errors) = await Run("agent", "--server", "http://127.0.0.1:1", "--password-file", file, "--name", "bad name!");
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("--name", errors);
            (code, _, errors) = await Run("agent", "--server", "not a url", "--password-file", file);
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("--server", errors);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
