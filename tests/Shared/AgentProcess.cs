using System.Diagnostics;

namespace LiveDash.Tests.Shared;

/// <summary>A real load agent process (<c>LiveDash.LoadTests.Cli.dll agent</c>) connecting out to a test app; its output goes to <c>onLine</c>, or is dropped.</summary>
static class AgentProcess
{
    public static Process Start(Uri server, string name, string password = KestrelApp.AdminPassword, Action<string>? onLine = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "LiveDash.LoadTests.Cli.dll"), "agent", "--server", server.ToString(), "--name", name },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["LIVEDASH_ADMIN_PASSWORD"] = password;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) onLine?.Invoke(line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) onLine?.Invoke(line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
