using LiveDash.Admin;
using LiveDash.Store;

var builder = WebApplication.CreateBuilder(args);

builder.AddStore();
builder.AddAdmin();
builder.Services.AddRazorPages();

var app = builder.Build();

app.UseStoreUnavailableAnswers();
app.UseStatusCodePagesWithReExecute("/status/{0}");
app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();

app.MapStoreApi();
app.MapAdminApi();
app.MapRazorPages();

app.Services.GetRequiredService<AdminPassword>();
await app.Services.SeedStoreAsync(app.Lifetime.ApplicationStopping);
app.Run();

public partial class Program;
