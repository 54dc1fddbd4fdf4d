using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LiveDash.Pages;

/// <summary>The page shown for 4xx/5xx answers of pages (not of /api, which answer JSON).</summary>
public class StatusModel : PageModel
{
    public const string StatusMessageKey = "LiveDash.StatusMessage";

    public int Code { get; private set; }
    public string Title { get; private set; } = "";
    public string Explanation { get; private set; } = "";

    public void OnGet(int code)
    {
        Code = code;
        var message = HttpContext.Items[StatusMessageKey] as string;
        (Title, Explanation) = code switch
        {
            400 => ("Bad request", message ?? "Something in the address is not right."),
            403 => ("Not allowed", message ?? "You may not see this."),
            404 => ("Not found", message ?? "There is nothing at this address."),
            503 => ("Database unavailable", message ?? "The store cannot reach its database right now; reload in a moment."),
            _ => ("Error", message ?? "Something went wrong."),
        };
        if (HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is null) Response.StatusCode = code is >= 400 and < 600 ? code : 404;
    }
}
