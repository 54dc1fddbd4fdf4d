using LiveDash.Store;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LiveDash.Pages.Products;

// The query is read raw, as the JSON twin reads it, so both refuse the same input (model binding would trim, or take the first of two).
public class IndexModel(StoreService store) : PageModel
{
    public ProductPage? Result { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!StoreInput.TrySearch(Request.Query["search"], out var s, out var error)) return this.Status(400, error!);
        if (!StoreInput.TryPage(Request.Query["page"], out var p, out error)) return this.Status(400, error!);
        Result = await store.SearchProductsAsync(s, p, ct);
        return Page();
    }
}
