using LiveDash.Store;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LiveDash.Pages.Products;

// The query field is "page", but Razor Pages reserves the route value "page" for the page name.
public class IndexModel(StoreService store) : PageModel
{
    public ProductPage? Result { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? search, [FromQuery(Name = "page")] string? pageNumber, CancellationToken ct)
    {
        if (!StoreInput.TrySearch(search, out var s, out var error)) return this.Status(400, error!);
        if (!StoreInput.TryPage(pageNumber, out var p, out error)) return this.Status(400, error!);
        Result = await store.SearchProductsAsync(s, p, ct);
        return Page();
    }
}
