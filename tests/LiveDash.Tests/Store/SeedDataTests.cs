using LiveDash.Store;

namespace LiveDash.Tests.Store;

public class SeedDataTests
{
    [Fact]
    public void TheSeedIsTheSameEveryTimeAndHasTheAdvertisedSize()
    {
        var a = new SeedData();
        var b = new SeedData();
        Assert.Equal(a.GenerateUsers().Take(500), b.GenerateUsers().Take(500));
        Assert.Equal(a.GenerateProducts(), b.GenerateProducts());
        Assert.Equal(a.GenerateOrders().Take(1000).Select(o => (o.Order, o.Lines.Length, o.Lines.Sum(l => l.UnitPrice))),
                     b.GenerateOrders().Take(1000).Select(o => (o.Order, o.Lines.Length, o.Lines.Sum(l => l.UnitPrice))));
        Assert.Equal(10_000, a.GenerateUsers().Count());
        Assert.Equal(5_000, a.GenerateProducts().Count());
        Assert.True(SeedData.DefaultOrders >= 200_000);
        Assert.Contains(a.GenerateUsers(), u => !u.IsActive);
    }
}
