using Microsoft.AspNetCore.Diagnostics;

namespace LiveDash.Site;

/// <summary>
/// Cross-cutting answers: errors keep their status and method (JSON problem details under /api and /admin/api,
/// the status page for HTML GET/HEAD, plain text otherwise), and the security headers every response carries.
/// </summary>
public static class SiteExtensions
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Request bodies here are small JSON or forms; a longer address than this is refused with a readable 414.</summary>
    public const int MaxRequestBodyBytes = 1024 * 1024;
    public const int MaxRequestTargetLength = 8 * 1024;
    /// <summary>Kestrel's default for all request headers together; more gets a readable 431 (up to 4× this, where Kestrel itself cuts the connection with an empty 431).</summary>
    public const int MaxRequestHeadersBytes = 32 * 1024;

    public static void AddSite(this WebApplicationBuilder builder) => builder.WebHost.ConfigureKestrel(kestrel =>
    {
        kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        // Kestrel answers longer request lines itself, with no body; below this the app answers 414 with one.
        kestrel.Limits.MaxRequestLineSize = 8 * MaxRequestTargetLength;
        // Likewise for the headers: Kestrel answers beyond 4× with no body; between 1× and 4× the app answers 431 with one.
        kestrel.Limits.MaxRequestHeadersTotalSize = 4 * MaxRequestHeadersBytes;
    });

    public static void UseSiteErrors(this WebApplication app)
    {
        app.UseWhen(c => ApiProblem.IsApiPath(c.Request.Path),
            api => api.UseStatusCodePages(new StatusCodePagesOptions { HandleAsync = WriteProblem }));
        // Only GET and HEAD are re-executed: a DELETE or POST re-run against the status page would change its answer.
        app.UseWhen(c => !ApiProblem.IsApiPath(c.Request.Path) && (HttpMethods.IsGet(c.Request.Method) || HttpMethods.IsHead(c.Request.Method)),
            html => html.UseStatusCodePagesWithReExecute("/status/{0}"));
        app.UseWhen(c => !ApiProblem.IsApiPath(c.Request.Path) && !HttpMethods.IsGet(c.Request.Method) && !HttpMethods.IsHead(c.Request.Method),
            other => other.UseStatusCodePages());
        // The exception handlers registered with AddExceptionHandler answer first (the store's 503 on a database outage);
        // for any other exception the delegate only sets the status (the body comes from the status code pages above)
        // and the middleware logs the exception. The outage is logged once by the store's health, not per request.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            SuppressDiagnosticsCallback = c => c.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService,
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
            ExceptionHandler = context =>
            {
                ApplySecurityHeaders(context.Response);
                return Task.CompletedTask;
            },
        });
    }

    /// <summary>The security headers, and the 414 for over-long addresses and 431 for over-large headers (written here:
    /// re-executing such a request would fail again).</summary>
    public static void UseSecurityHeaders(this WebApplication app) => app.Use((context, next) =>
    {
        ApplySecurityHeaders(context.Response);
        var request = context.Request;
        if ((request.Path.Value?.Length ?? 0) + (request.QueryString.Value?.Length ?? 0) > MaxRequestTargetLength)
            return Refuse(context, StatusCodes.Status414UriTooLong, $"the address is too long (at most {MaxRequestTargetLength} characters)");
        if (HeadersBytes(request.Headers) > MaxRequestHeadersBytes)
            return Refuse(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, $"the request headers are too large (at most {MaxRequestHeadersBytes / 1024} KB together)");
        return next(context);
    });

    /// <summary>The headers' size as Kestrel counts it (names, values, ": " and CRLF); a few nanoseconds a header.</summary>
    static long HeadersBytes(IHeaderDictionary headers)
    {
        long bytes = 0;
        foreach (var (name, values) in headers)
        {
            bytes += name.Length + 4;
            foreach (var value in values) bytes += value?.Length ?? 0;
        }
        return bytes;
    }

    static Task Refuse(HttpContext context, int status, string detail)
    {
        if (ApiProblem.IsApiPath(context.Request.Path)) return ApiProblem.WriteAsync(context, status, detail);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync($"{status}: {detail}");
    }

    /// <summary>Also called by the answers that clear the response (outage, exception) so they keep the headers.</summary>
    public static void ApplySecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "same-origin";
    }

    static Task WriteProblem(StatusCodeContext status)
    {
        var context = status.HttpContext;
        var code = context.Response.StatusCode;
        var detail = code switch
        {
            404 => $"there is nothing at {ApiProblem.Excerpt(context.Request.Path.Value, 100)}",
            405 => $"{ApiProblem.Excerpt(context.Request.Method, 20)} is not allowed on {ApiProblem.Excerpt(context.Request.Path.Value, 100)}" +
                   (context.Response.Headers.Allow.Count > 0 ? $"; it takes {context.Response.Headers.Allow}" : ""),
            413 => "the request body is too large",
            414 => "the address is too long",
            415 => "the body must be JSON (Content-Type: application/json)",
            431 => "the request headers are too large",
            500 => "the server failed to answer this request; the error is in its log",
            _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(code).ToLowerInvariant(),
        };
        return ApiProblem.WriteAsync(context, code, detail);
    }
}
