using System.Net;

namespace LiveDash.Store;

/// <summary>Turns a database outage into a prompt 503 (JSON for /api, a page otherwise); the app keeps running.</summary>
sealed class StoreUnavailableMiddleware(RequestDelegate next, ILogger<StoreUnavailableMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (StoreUnavailableException e) when (!context.Response.HasStarted)
        {
            logger.LogWarning("503 for {Path}: {Message}", context.Request.Path, e.Message);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "2";
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                await context.Response.WriteAsJsonAsync(new ApiError("database unavailable: " + e.Message, "database"));
                return;
            }
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync($$"""
                <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>503 · LiveDash</title>
                <link rel="stylesheet" href="/css/site.css"></head><body><main class="container">
                <h1>Database unavailable</h1><p>The store cannot reach its database right now. It retries on every
                request, so reload in a moment.</p><p class="muted">{{WebUtility.HtmlEncode(e.Message)}}</p>
                </main></body></html>
                """);
        }
    }
}

public record ApiError(string Error, string? Field = null);
