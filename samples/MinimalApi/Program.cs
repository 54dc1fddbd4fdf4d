// A minimal API with LiveDash added: three lines. /blocking holds its thread-pool thread for 50 ms (the
// mistake the dashboard is made to show); /sync-over-async blocks on a task the same 50 ms; /lock queues every
// request behind one lock held 50 ms; /async waits the same 50 ms without holding a thread.
using LiveDash.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddLiveDash();   // the recorder, a tick every 250 ms, the hub, the meter "LiveDash"
builder.WebHost.UseLiveDash();    // stamps each request's arrival at the socket, before any thread runs for it

var app = builder.Build();
app.MapLiveDash("/livedash");     // dashboard, hub and /livedash/api/summary: loopback clients only, unless opened

app.MapGet("/blocking", () =>
{
    Thread.Sleep(50);
    return Results.Text("blocked a thread for 50 ms\n");
});

app.MapGet("/sync-over-async", () =>
{
    Task.Delay(50).GetAwaiter().GetResult();
    return Results.Text("waited 50 ms for a task while holding a thread\n");
});

var gate = new Lock();
app.MapGet("/lock", () =>
{
    lock (gate) Thread.Sleep(50);
    return Results.Text("held one shared lock for 50 ms\n");
});

app.MapGet("/async", async () =>
{
    await Task.Delay(50);
    return Results.Text("awaited 50 ms without a thread\n");
});

app.Run();

/// <summary>For WebApplicationFactory in the library's tests.</summary>
public partial class Program;
