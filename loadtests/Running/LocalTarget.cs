using System.Net;

namespace LiveDash.LoadTests.Running;

/// <summary>Load stays on this machine unless asked otherwise: whether a target or server URL is a loopback one.</summary>
public static class LocalTarget
{
    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
