using LiveDash.Admin;
using LiveDash.Store;
using LiveDash.Store.Workers;
using LiveDash.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddTelemetry();
builder.AddStore();
builder.AddAdmin();
builder.Services.AddRazorPages();

var app = builder.Build();

app.UseTelemetry();
app.UseStoreUnavailableAnswers();
app.UseStatusCodePagesWithReExecute("/status/{0}");
app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseStoreWorkers();
app.UseTelemetryHandlerStart();

app.MapStoreApi();
app.MapAdminApi();
app.MapTelemetry();
app.MapRazorPages();

app.Services.GetRequiredService<AdminPassword>();
await app.Services.SeedStoreAsync(app.Lifetime.ApplicationStopping);
app.Run();

public partial class Program;
