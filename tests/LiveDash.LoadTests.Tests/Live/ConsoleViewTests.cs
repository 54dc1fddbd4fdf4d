using LiveDash.LoadTests.Live;
using LiveDash.LoadTests.Running;

namespace LiveDash.LoadTests.Tests.Live;

public class ConsoleViewTests
{
    static ProgressSnapshot At(double elapsed, long lastSecondRequests, double p50) =>
        new("orders", false, elapsed, 10 - elapsed, 120, 0, 0, 5, lastSecondRequests, p50, p50 * 2, new Dictionary<string, long>());

    [Fact]
    public void BeforeAWholeSecondTheLastSecondFiguresAreNotShownAsZero()
    {
        var first = ConsoleView.PlainLine(At(0.6, 0, 0));
        Assert.DoesNotContain("| 0 req/s", first);
        Assert.DoesNotContain("p50 0.0 ms", first);
        Assert.Contains("– req/s", first);
        Assert.False(ConsoleView.HasWholeSecond(At(1.0, 0, 0)));

        var later = ConsoleView.PlainLine(At(1.2, 118, 51.3));
        Assert.Contains("| 118 req/s", later);
        Assert.Contains("p50 51.3 ms", later);
    }
}
