using LiveDash.Admin;
using LiveDash.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LiveDash.Pages.Admin;

[Authorize(Policy = LiveDash.Admin.AdminExtensions.PagePolicy)]
public class IndexModel(RuntimeSettings settings, StoreService store) : PageModel
{
    [BindProperty] public StoreMode Mode { get; set; }
    [BindProperty] public int DbLatencyMs { get; set; }
    [BindProperty] public int MinThreads { get; set; }
    /// <summary>Left out of a post = unchanged.</summary>
    [BindProperty] public int? Workers { get; set; }

    public SettingsSnapshot Current => settings.Current;
    public IReadOnlyList<SettingsChange> Changes => settings.Changes;
    public string Backend => store.BackendName;

    public void OnGet() => Fill(settings.Current);

    public IActionResult OnPostSettings()
    {
        if (!ModelState.IsValid)
        {
            ModelState.AddModelError("", "Mode must be one of Sync, Async, SyncOverAsync; latency, min threads and workers must be whole numbers.");
            return Invalid();
        }
        if (settings.Apply(new SettingsUpdate(Mode, DbLatencyMs, MinThreads, Workers), "admin page") is { } error)
        {
            ModelState.AddModelError(error.Field, error.Message);
            return Invalid();
        }
        return RedirectToPage();
    }

    public IActionResult OnPostReset()
    {
        settings.RequestReset("admin page");
        return RedirectToPage();
    }

    IActionResult Invalid()
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    void Fill(SettingsSnapshot s) => (Mode, DbLatencyMs, MinThreads, Workers) = (s.Mode, s.DbLatencyMs, s.MinThreads, s.Workers);
}
