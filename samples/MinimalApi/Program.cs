// A minimal API with LiveDash added: three lines. /blocking holds its thread-pool thread for 50 ms (the
// mistake the dashboard is made to show); /async waits the same 50 ms without holding a thread. The others
// hold threads in the other ways the "Threads held" panel tells apart: blocked on a task, on a CPU, in a lock.
using System.Security.Cryptography;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddLiveDash();   // the recorder, a tick every 250 ms, the hub, the meter "LiveDash"
builder.WebHost.UseLiveDash();    // stamps each request's arrival at the socket, before any thread runs for it

var app = builder.Build();
app.MapLiveDash("/livedash");     // dashboard, hub, /livedash/api/summary and the blocking capture: local clients only, unless opened

app.MapGet("/blocking", () =>
{
    Thread.Sleep(50);
    return Results.Text("blocked a thread for 50 ms\n");
});

app.MapGet("/async", async () =>
{
    await Task.Delay(50);
    return Results.Text("awaited 50 ms without a thread\n");
});

app.MapGet("/sync-over-async", () =>
{
    Task.Delay(50).GetAwaiter().GetResult();
    return Results.Text("blocked a thread for 50 ms on a task\n");
});

app.MapGet("/cpu", () => Results.Text(Work.Hash() + "\n"));

app.MapGet("/lock", () =>
{
    lock (Work.Gate) Thread.Sleep(50);
    return Results.Text("held the one lock for 50 ms\n");
});

app.Run();

static class Work
{
    /// <summary>Every /lock request takes this one lock: one at a time, the rest wait for it.</summary>
    public static readonly Lock Gate = new();

    /// <summary>50,000 SHA-256 rounds of 32 bytes: about 20 ms on one idle core of the machine it was calibrated on.</summary>
    public static string Hash()
    {
        Span<byte> hash = stackalloc byte[32];
        for (var i = 0; i < 50_000; i++) SHA256.HashData(hash, hash);
        return Convert.ToHexString(hash[..8]);
    }
}

/// <summary>For WebApplicationFactory in the library's tests.</summary>
public partial class Program;
