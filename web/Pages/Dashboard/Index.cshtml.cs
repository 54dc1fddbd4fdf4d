using LiveDash.Admin;
using LiveDash.Store;
using LiveDash.Telemetry;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace LiveDash.Pages.Dashboard;

public class IndexModel(RuntimeSettings settings, StoreService store, IOptions<LiveDash.AspNetCore.LiveDashOptions> telemetry) : PageModel
{
    public SettingsSnapshot Current { get; private set; } = settings.Current;
    public string Backend => store.BackendName;
    public bool IsAdmin { get; private set; }
    public bool TelemetryEnabled => telemetry.Value.Enabled;

    public void OnGet()
    {
        Current = settings.Current;
        IsAdmin = User.IsInRole("admin");
    }
}
