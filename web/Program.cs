using LiveDash.Admin;
using LiveDash.AspNetCore;
using LiveDash.Site;
using LiveDash.Lecture;
using LiveDash.Load;
using LiveDash.Farm;
using LiveDash.Store;
using LiveDash.Store.Workers;
using LiveDash.Telemetry;

ValidatedOptionsExtensions.ExplainBadSettings();
var builder = WebApplication.CreateBuilder(args);

var telemetry = builder.AddTelemetry();
builder.Services.AddLiveDash(o => o.ForStore(telemetry)).ForStore();
builder.WebHost.UseLiveDash();
builder.AddStore();
builder.AddAdmin();
builder.AddSite();
builder.AddLoad();
builder.AddLecture();
builder.AddFarm();
builder.Services.AddRazorPages();

var app = builder.Build();

app.UseTelemetry();
app.UseTrustedProxy();
app.UseSiteErrors();
app.UseSecurityHeaders();
// No file lives under /api or /admin/api: their requests skip the file lookup (0.7–0.8 µs a request in a perf profile).
app.UseWhen(c => !ApiProblem.IsApiPath(c.Request.Path), files => files.UseStaticFiles());
app.UseRouting();
app.UseStoreAdmission();
app.UseStoreWorkers();
app.UseTelemetryHandlerStart();
app.UseAnonymousFastPath();
app.UseAuthentication();
app.UseAdminApiProtection();
app.UseAuthorization();

app.MapStoreApi();
app.MapAdminApi();
app.MapLoad();
app.MapLectureRunApi();
app.MapLiveDash(TelemetryExtensions.DashboardPath).ForStore();
app.MapTelemetry();
app.MapFarm();
app.MapRazorPages();

app.Services.GetRequiredService<AdminPassword>();
await app.Services.SeedStoreAsync(app.Lifetime.ApplicationStopping);
app.Run();

public partial class Program;
