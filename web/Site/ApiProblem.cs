using System.Text.Json.Serialization;
using Microsoft.AspNetCore.WebUtilities;

namespace LiveDash.Site;

/// <summary>
/// A problem-details body (RFC 9457) for errors under /api and /admin/api. It also carries <c>error</c> (and
/// <c>field</c>), the names the JSON 400s use, so a client reads every error the same way.
/// </summary>
public record ApiProblem(string Title, int Status, string Detail, string Error, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field = null)
{
    public const string ContentType = "application/problem+json";

    public static Task WriteAsync(HttpContext context, int status, string detail, string? field = null)
    {
        context.Response.StatusCode = status;
        var problem = new ApiProblem(ReasonPhrases.GetReasonPhrase(status), status, detail, detail, field);
        return context.Response.WriteAsJsonAsync(problem, options: null, contentType: ContentType, cancellationToken: context.RequestAborted);
    }

    public static bool IsApiPath(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/admin/api");

    /// <summary>Request text echoed in messages: short, so a 1 MB value never comes back in a 1 MB error.</summary>
    public static string Excerpt(string? text, int max = 40) =>
        text is null ? "" : text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}
