using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LiveDash.Tests.Shared;

/// <summary>What the tests' child processes (the app, the sample, the Aspire dashboard, HAProxy) share.</summary>
static class ChildProcess
{
    /// <summary>A loopback port free at this moment, for a child process to listen on.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the process and its children if it still runs, waits up to 10 s for it, and disposes it.</summary>
    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        process.Dispose();
    }
}
