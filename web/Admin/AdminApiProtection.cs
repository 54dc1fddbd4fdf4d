using LiveDash.Site;
using Microsoft.AspNetCore.Antiforgery;

namespace LiveDash.Admin;

/// <summary>
/// Every state change under /admin/api (and the library's admin-only APIs under /livedash/api) made with the admin cookie (the dashboard's own calls) must carry the
/// antiforgery token in the <see cref="TokenHeader"/> header, and a JSON body must say so in its Content-Type:
/// a page on another site (or another port of this host) can neither read the token nor send JSON without a
/// preflight. Callers with credentials in the Authorization header (HTTP Basic) are not cookie-driven and pass.
/// Runs on the path, not per endpoint, so admin endpoints any feature adds are covered too.
/// </summary>
sealed class AdminApiProtection(RequestDelegate next, IAntiforgery antiforgery)
{
    public const string TokenHeader = "X-CSRF-TOKEN";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        return !(request.Path.StartsWithSegments("/admin/api") || request.Path.StartsWithSegments(Telemetry.TelemetryExtensions.DashboardPath + "/api"))
            || IsSafe(request.Method) || request.Headers.Authorization.Count > 0
            || context.User.Identity?.IsAuthenticated != true
            ? next(context)
            : CheckAsync(context);
    }

    async Task CheckAsync(HttpContext context)
    {
        var request = context.Request;
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            await ApiProblem.WriteAsync(context, StatusCodes.Status403Forbidden,
                $"a change made with the admin cookie needs the antiforgery token in the {TokenHeader} header (the dashboard page carries it)");
            return;
        }
        if ((request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0) && !IsJson(request.ContentType))
        {
            await ApiProblem.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "the body must be JSON (Content-Type: application/json)", "Content-Type");
            return;
        }
        await next(context);
    }

    static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    static bool IsJson(string? contentType) =>
        contentType is not null && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
