using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LiveDash.Admin;
using LiveDash.Store;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.Tests.Store;

/// <summary>Admission control: maxInFlight store requests at work, maxQueued waiting, the rest shed at once with 503.</summary>
public class AdmissionTests
{
    [Fact]
    public async Task BeyondTheLimitAndItsQueueStoreRequestsAreShedAtOnceCountedAndTheRestIsUntouched()
    {
        await using var app = new LiveDashApp();
        using var admin = app.AdminClient();
        long metered = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Name == StoreAdmission.ShedInstrument) l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref metered, value));
        listener.Start();

        // Two at work, one waiting; each /api/orders takes two 500 ms round trips inside PostgreSQL.
        var put = await admin.PutAsJsonAsync("/admin/api/settings", new { maxInFlight = 2, maxQueued = 1, dbLatencyMs = 500 });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var settings = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, settings.GetProperty("maxInFlight").GetInt32());
        Assert.Equal(1, settings.GetProperty("maxQueued").GetInt32());

        var client = app.CreateClient();
        var clock = Stopwatch.StartNew();
        var crowd = Enumerable.Range(0, 8).Select(async _ =>
        {
            var response = await client.GetAsync("/api/orders?user=7");
            return (response, At: clock.Elapsed, Body: await response.Content.ReadAsStringAsync());
        }).ToList();
        // While the store is full (the five it could not hold are shed), everything that is not the store still answers.
        var admission = app.Services.GetRequiredService<StoreAdmission>();
        while (admission.ShedTotal < 5 && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(10);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/ping")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/api/settings")).StatusCode);
        var page = await client.GetAsync("/orders?user=7");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        Assert.Contains("Too busy", await page.Content.ReadAsStringAsync());
        var answers = await Task.WhenAll(crowd);

        var served = answers.Where(a => a.response.StatusCode == HttpStatusCode.OK).ToList();
        var shed = answers.Where(a => a.response.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Equal(3, served.Count);
        Assert.Equal(5, shed.Count);
        Assert.All(shed, a =>
        {
            Assert.Equal(TimeSpan.FromSeconds(1), a.response.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", a.response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("overloaded", a.Body);
        });
        // Shed at once: every refusal came back before the first request served (which waits a second in PostgreSQL).
        Assert.True(shed.Max(a => a.At) < served.Min(a => a.At), $"shed at {shed.Max(a => a.At).TotalMilliseconds:F0} ms, first served at {served.Min(a => a.At).TotalMilliseconds:F0} ms");

        Assert.Equal(6, admission.ShedTotal);
        Assert.Equal(6, Interlocked.Read(ref metered));
        var summary = await admin.GetFromJsonAsync<JsonElement>("/admin/api/telemetry/summary?seconds=60");
        Assert.Equal(6, summary.GetProperty("shed").GetInt64());

        // The limits are read live: raised, the same crowd is served whole.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/admin/api/settings", new { maxInFlight = 8, dbLatencyMs = 50 })).StatusCode);
        var again = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.GetAsync("/api/orders?user=7")));
        Assert.All(again, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    [Theory]
    [InlineData("""{"maxInFlight":0}""", "maxInFlight")]
    [InlineData("""{"maxInFlight":10001}""", "maxInFlight")]
    [InlineData("""{"maxInFlight":"5"}""", "maxInFlight")]
    [InlineData("""{"maxQueued":-1}""", "maxQueued")]
    [InlineData("""{"maxQueued":1.5}""", "maxQueued")]
    public async Task BadLimitsAre400NamingTheField(string body, string field)
    {
        await using var app = new LiveDashApp();
        using var admin = app.AdminClient();
        var response = await admin.PutAsync("/admin/api/settings", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Equal(RuntimeSettings.DefaultMaxInFlight, app.Settings.Current.MaxInFlight);
        Assert.Equal(RuntimeSettings.DefaultMaxQueued, app.Settings.Current.MaxQueued);
    }
}
