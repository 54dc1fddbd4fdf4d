using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LiveDash.AspNetCore.Tests;

/// <summary>AddLiveDash's delegate runs once; the host's later Configure calls and its builder chain apply.</summary>
public class OptionsTests
{
    sealed class OtherLabels : ILiveDashLabels
    {
        public IReadOnlyList<string> Names { get; } = ["a", "b"];
        public int Of(HttpContext context) => 1;
        public int Current => 1;
        public int Group => 0;
    }

    sealed class QueueGauges : ILiveDashGauges
    {
        public void Write(IDictionary<string, object> tick) => tick["queue"] = 3;
    }

    [Fact]
    public void TheDelegateRunsOnceAndALaterConfigureWins()
    {
        var calls = 0;
        var services = new ServiceCollection();
        services.AddLiveDash(o => { calls++; o.Path = "/first"; o.UnmeasuredPaths.Add("/hubs"); });
        services.Configure<LiveDashOptions>(o => { o.Path = "/later"; o.TrustUnixSocket = true; });
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<LiveDashOptions>>().Value;
        Assert.Equal(1, calls);
        Assert.Equal("/later", options.Path);
        Assert.True(options.TrustUnixSocket);
        Assert.Equal(["/hubs"], options.UnmeasuredPaths);
    }

    [Fact]
    public void EverySettingOfTheDelegateReachesTheOptions()
    {
        var given = new LiveDashOptions();
        var services = new ServiceCollection();
        services.AddLiveDash(o =>
        {
            foreach (var property in typeof(LiveDashOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var value = property.PropertyType switch
                {
                    var t when t == typeof(string) => (object)("/x-" + property.Name),
                    var t when t == typeof(bool) => !(bool)property.GetValue(o)!,
                    var t when t == typeof(int) => (int)property.GetValue(o)! + 3,
                    var t when t.IsEnum => Enum.GetValues(t).Cast<object>().Last(),
                    var t when t == typeof(IList<string>) => null,
                    var t => throw new InvalidOperationException($"set {property.Name} ({t}) in this test"),
                };
                if (value is null) ((IList<string>)property.GetValue(o)!).Add("/x-" + property.Name);
                else property.SetValue(o, value);
            }
            // Export stays off here, whatever the environment says.
            o.OpenTelemetry = LiveDashOpenTelemetryMode.Off;
            CopyAll(o, given);
        });
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<LiveDashOptions>>().Value;
        foreach (var property in typeof(LiveDashOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var expected = property.GetValue(given);
            var actual = property.GetValue(options);
            if (expected is IList<string> list) Assert.Equal(list, (IList<string>)actual!);
            else Assert.Equal(expected, actual);
        }
    }

    static void CopyAll(LiveDashOptions from, LiveDashOptions to)
    {
        foreach (var property in typeof(LiveDashOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetValue(from) is IList<string> list) foreach (var item in list) ((IList<string>)property.GetValue(to)!).Add(item);
            else property.SetValue(to, property.GetValue(from));
        }
    }

    [Fact]
    public void TheBuilderRegistersLabelsAndGauges()
    {
        var services = new ServiceCollection();
        var builder = services.AddLiveDash().AddLabels<OtherLabels>().AddGauges<QueueGauges>().AddGauges<QueueGauges>();
        Assert.Same(services, builder.Services);
        using var provider = services.BuildServiceProvider();
        Assert.IsType<OtherLabels>(provider.GetRequiredService<ILiveDashLabels>());
        Assert.IsType<QueueGauges>(Assert.Single(provider.GetServices<ILiveDashGauges>()));
    }

    [Fact]
    public void SingletonsRegisteredByHandStillWork()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILiveDashLabels, OtherLabels>();
        services.AddLiveDash();
        services.AddSingleton<ILiveDashGauges, QueueGauges>();
        using var provider = services.BuildServiceProvider();
        Assert.IsType<OtherLabels>(provider.GetRequiredService<ILiveDashLabels>());
        Assert.IsType<QueueGauges>(Assert.Single(provider.GetServices<ILiveDashGauges>()));
    }
}
