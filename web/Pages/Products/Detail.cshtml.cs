using LiveDash.Store;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LiveDash.Pages.Products;

public class DetailModel(StoreService store) : PageModel
{
    public Product? Product { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        if (!StoreInput.TryId("id", id, out var productId, out var error)) return this.Status(400, error!);
        Product = await store.FindProductAsync(productId, ct);
        return Product is null ? this.Status(404, $"There is no product #{productId}.") : Page();
    }
}
