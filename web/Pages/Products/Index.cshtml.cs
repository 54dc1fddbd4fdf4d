using LiveDash.Store;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LiveDash.Pages.Products;

public class IndexModel(StoreService store) : PageModel
{
    public ProductPage? Result { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? search, string? page, CancellationToken ct)
    {
        if (!StoreInput.TrySearch(search, out var s, out var error)) return this.Status(400, error!);
        if (!StoreInput.TryPage(page, out var p, out error)) return this.Status(400, error!);
        Result = await store.SearchProductsAsync(s, p, ct);
        return Page();
    }
}
