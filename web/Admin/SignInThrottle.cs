using System.Globalization;
using System.Threading.RateLimiting;

namespace LiveDash.Admin;

/// <summary>
/// Counts failed admin sign-ins (HTTP Basic and the login form together) per client address with the runtime's
/// rate limiter: after <see cref="FailuresAllowed"/> failures in a minute the address gets 429 with Retry-After,
/// even with the right password, until the window ends. Successes are not counted. Every failure is logged with
/// the address. In a farm the other instances' failures count too (<see cref="FailureRecorded"/> out,
/// <see cref="RecordFarmFailure"/> in), so a proxy spreading a guesser's tries over the instances gains nothing.
/// </summary>
public sealed class SignInThrottle(ILogger<SignInThrottle> logger) : IDisposable
{
    public const int FailuresAllowed = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = FailuresAllowed, Window = Window, QueueLimit = 0, AutoReplenishment = true,
        }));

    public static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>True when the address has used up its failures; <paramref name="retryAfter"/> is when it may try again.</summary>
    public bool IsLockedOut(string address, out TimeSpan retryAfter)
    {
        using var probe = _failures.AttemptAcquire(address, 0);
        retryAfter = probe.IsAcquired ? TimeSpan.Zero : probe.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
        return !probe.IsAcquired;
    }

    /// <summary>A failure here, for the farm to tell the other instances (raised on the request's thread: never block in it).</summary>
    public event Action<string>? FailureRecorded;

    public void RecordFailure(string address, string channel)
    {
        using var lease = _failures.AttemptAcquire(address, 1);
        logger.LogWarning("Failed admin sign-in ({Channel}) from {Address}", channel, address);
        FailureRecorded?.Invoke(address);
        if (IsLockedOut(address, out var retryAfter))
            logger.LogWarning("{Address} made {Failures} failed admin sign-ins within {Window:F0} s: refused with 429 for the next {Seconds:F0} s",
                address, FailuresAllowed, Window.TotalSeconds, retryAfter.TotalSeconds);
    }

    /// <summary>A failure another instance of the farm saw (logged there).</summary>
    public void RecordFarmFailure(string address)
    {
        using var lease = _failures.AttemptAcquire(address, 1);
    }

    public static string RetryAfterHeader(TimeSpan retryAfter) =>
        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    public void Dispose() => _failures.Dispose();
}
