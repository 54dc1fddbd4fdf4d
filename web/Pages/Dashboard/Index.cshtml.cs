using LiveDash.Admin;
using LiveDash.Store;
using LiveDash.Telemetry;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LiveDash.Pages.Dashboard;

public class IndexModel(RuntimeSettings settings, StoreService store, IConfiguration config) : PageModel
{
    public SettingsSnapshot Current { get; private set; } = settings.Current;
    public string Backend => store.BackendName;
    public bool IsAdmin { get; private set; }
    public bool TelemetryEnabled => config.TelemetryEnabled();
    public string HistogramEdges => string.Join(",", TelemetryAggregator.HistogramEdgesMs.Select(e => e.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public void OnGet()
    {
        Current = settings.Current;
        IsAdmin = User.IsInRole("admin");
    }
}
