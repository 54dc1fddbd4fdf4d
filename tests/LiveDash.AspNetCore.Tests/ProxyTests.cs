using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.AspNetCore.Tests;

/// <summary>
/// Behind a reverse proxy on the same host every request comes from loopback: the forwarding headers the proxy adds
/// (or the Unix socket it talks over) are what tell the Internet's requests from the machine's own.
/// </summary>
public class ProxyTests(ProxyTests.Sample sample) : IClassFixture<ProxyTests.Sample>
{
    /// <summary>The sample, run as its own process on 127.0.0.1, for the proxy cases.</summary>
    public sealed class Sample : IAsyncLifetime
    {
        internal SampleProcess App { get; private set; } = null!;
        public async Task InitializeAsync() => App = await SampleProcess.StartAsync(SampleProcess.SampleDll());
        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    const string Remote = "203.0.113.9";
    static readonly string[] Gets = ["livedash", "livedash/assets/js/dashboard.js", "livedash/api/summary?seconds=5"];
    const string Negotiate = "livedash/hub/negotiate?negotiateVersion=1";

    static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string? header = null, string? value = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (header is not null) request.Headers.TryAddWithoutValidation(header, value);
        return await client.SendAsync(request);
    }

    static async Task<IReadOnlyList<HttpStatusCode>> AllParts(HttpClient client, string? header = null, string? value = null)
    {
        var codes = new List<HttpStatusCode>();
        foreach (var path in Gets) codes.Add((await Send(client, HttpMethod.Get, path, header, value)).StatusCode);
        codes.Add((await Send(client, HttpMethod.Post, Negotiate, header, value)).StatusCode);
        return codes;
    }

    [Fact]
    public async Task APlainLoopbackRequestIsServed()
    {
        Assert.All(await AllParts(sample.App.Client), code => Assert.Equal(HttpStatusCode.OK, code));
    }

    [Theory]
    [InlineData("X-Forwarded-For", Remote)]
    [InlineData("Forwarded", "for=" + Remote)]
    [InlineData("X-Real-IP", Remote)]
    [InlineData("X-Forwarded-Host", "shop.example")]
    public async Task AForwardedRequestIsRefusedEverywhere(string header, string value)
    {
        Assert.All(await AllParts(sample.App.Client, header, value), code => Assert.Equal(HttpStatusCode.Forbidden, code));
    }

    [Fact]
    public async Task TheRefusalSaysWhyAndHowToOpenTheDashboard()
    {
        using var response = await Send(sample.App.Client, HttpMethod.Get, "livedash", "X-Forwarded-For", Remote);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(403, problem.GetProperty("status").GetInt32());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("X-Forwarded-For", detail);
        Assert.Contains("RequireAuthorization", detail);
        Assert.Contains("AllowAnonymous", detail);
    }

    [Fact]
    public async Task ForwardedHeadersResolvedToLoopbackAreServedAndToARemoteClientRefused()
    {
        await using var host = await TestKestrel.StartAsync(
            builder => builder.Services.Configure<ForwardedHeadersOptions>(o => o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedHost),
            app => app.UseForwardedHeaders());
        Assert.All(await AllParts(host.Client, "X-Forwarded-For", "127.0.0.1"), code => Assert.Equal(HttpStatusCode.OK, code));
        Assert.All(await AllParts(host.Client, "X-Forwarded-For", Remote), code => Assert.Equal(HttpStatusCode.Forbidden, code));
        // A chain longer than the middleware's limit leaves the far client in X-Forwarded-For: not resolved.
        Assert.All(await AllParts(host.Client, "X-Forwarded-For", Remote + ", 127.0.0.1"), code => Assert.Equal(HttpStatusCode.Forbidden, code));
        // Forwarded (RFC 7239) is not the middleware's: still a proxy's word.
        Assert.All(await AllParts(host.Client, "Forwarded", "for=" + Remote), code => Assert.Equal(HttpStatusCode.Forbidden, code));
    }

    [Theory]
    [InlineData(false, HttpStatusCode.Forbidden)]
    [InlineData(true, HttpStatusCode.OK)]
    public async Task AUnixSocketIsServedOnlyWhenTheHostTrustsIt(bool trust, HttpStatusCode expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"livedash-{Guid.NewGuid():N}.sock");
        try
        {
            await using var host = await TestKestrel.StartAsync(
                builder => builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(path)),
                addLiveDash: services => services.AddLiveDash(o => o.TrustUnixSocket = trust),
                client: _ => TestKestrel.UnixSocketClient(path));
            Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("work")).StatusCode);
            Assert.All(await AllParts(host.Client), code => Assert.Equal(expected, code));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
