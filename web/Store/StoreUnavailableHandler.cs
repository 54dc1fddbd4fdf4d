using LiveDash.Site;
using Microsoft.AspNetCore.Diagnostics;

namespace LiveDash.Store;

/// <summary>
/// Turns a database outage into a prompt 503 (problem details for /api, a page otherwise); the app keeps running.
/// An exhausted pool (the database answers, no connection was free) is a 503 too, named "database busy".
/// The database's own error text goes to the log (once per outage, see <see cref="StoreHealth"/>), never to the client.
/// </summary>
/// <remarks>A handler of the site's one exception handler (<see cref="SiteExtensions.UseSiteErrors"/>), not a middleware
/// of its own: nothing on a request's way costs anything until a call fails. The exception handler has cleared the
/// response, and passes on exceptions thrown after the response started.</remarks>
sealed class StoreUnavailableHandler(StoreHealth health) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is StoreUnavailableException e)
        {
            var notSeeded = e is StoreNotSeededException;
            var busy = e as StoreBusyException;
            if (busy is not null) health.ReportBusy(busy);
            else if (!notSeeded) health.ReportUnavailable(e.Message);
            context.Response.Clear();
            SiteExtensions.ApplySecurityHeaders(context.Response);
            context.Response.Headers.RetryAfter = busy is null ? "2" : "1";
            var message = notSeeded
                ? "The store's data is not ready yet: the database was unreachable when the app started, and it is seeded as soon as the database answers."
                : busy is not null ? "Every database connection of the store is in use (the database pool is exhausted); try again in a moment."
                : "The store cannot reach its database right now; it retries on every request.";
            if (ApiProblem.IsApiPath(context.Request.Path))
            {
                await ApiProblem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, (busy is null ? "database unavailable: " : "database busy: ") + message, "database");
                return true;
            }
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync($$"""
                <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>503 · LiveDash</title>
                <link rel="stylesheet" href="/css/site.css"></head><body><main class="container">
                <h1>{{(busy is null ? "Database unavailable" : "Database busy")}}</h1><p>{{message}} Reload in a moment.</p>
                </main></body></html>
                """, ct);
            return true;
        }
        return false;
    }
}

