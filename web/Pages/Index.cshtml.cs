using LiveDash.Store;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LiveDash.Pages;

public class IndexModel(StoreService store) : PageModel
{
    public IReadOnlyList<ProductSummary> Featured { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Featured = await store.FeaturedAsync(ct);
}
