using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LiveDash.Pages;

static class PageResults
{
    /// <summary>An error status whose message the status page shows.</summary>
    public static IActionResult Status(this PageModel page, int code, string message)
    {
        page.HttpContext.Items[StatusModel.StatusMessageKey] = message;
        return page.StatusCode(code);
    }
}
