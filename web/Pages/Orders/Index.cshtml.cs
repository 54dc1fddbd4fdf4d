using LiveDash.Store;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LiveDash.Pages.Orders;

public class IndexModel(StoreService store) : PageModel
{
    public UserOrders? Orders { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!StoreInput.TryId("user", Request.Query["user"], out var userId, out var error)) return this.Status(400, error!);
        var result = await store.UserOrdersAsync(userId, ct);
        Orders = result.Orders;
        return result.Outcome switch
        {
            OrdersOutcome.UnknownUser => this.Status(404, $"There is no user #{userId}."),
            OrdersOutcome.AccessDenied => this.Status(403, $"User #{userId} is deactivated; their orders are not shown."),
            _ => Page(),
        };
    }
}
