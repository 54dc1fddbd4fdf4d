using System.Text.Json.Serialization;
using Microsoft.AspNetCore.WebUtilities;

namespace LiveDash.Site;

/// <summary>What an API refuses and why: the message, and the request field it names (if one).</summary>
public sealed record ApiError(string Error, string? Field = null);

/// <summary>
/// The one error shape of every API the store answers (its store, admin, load, lecture and telemetry APIs): a
/// problem-details body (RFC 9457, <c>application/problem+json</c>). A bad field is named in <c>errors</c> as
/// ASP.NET Core's validation problems do; it also carries <c>error</c> (and <c>field</c>), so a client reads every
/// error the same way. docs/errors.md shows it.
/// </summary>
public record ApiProblem(string Title, int Status, string Detail, string Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string[]>? Errors = null)
{
    public const string ContentType = "application/problem+json";

    public static ApiProblem Of(int status, string detail, string? field = null) =>
        new(ReasonPhrases.GetReasonPhrase(status), status, detail, detail, field,
            field is null ? null : new Dictionary<string, string[]> { [field] = [detail] });

    public static Task WriteAsync(HttpContext context, int status, string detail, string? field = null)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(Of(status, detail, field), options: null, contentType: ContentType, cancellationToken: context.RequestAborted);
    }

    /// <summary>An endpoint's answer for <paramref name="error"/> with <paramref name="status"/>.</summary>
    public static IResult Result(ApiError error, int status) =>
        Results.Json(Of(status, error.Error, error.Field), options: null, contentType: ContentType, statusCode: status);

    public static bool IsApiPath(PathString path) => path.StartsWithSegments(Api) || path.StartsWithSegments(AdminApi);

    // Built once: a string argument is converted (and scanned for escapes) on every call, and this runs several times a request.
    static readonly PathString Api = new("/api"), AdminApi = new("/admin/api");

    /// <summary>
    /// The top-level body field a System.Text.Json error path is in: "$.rate" → rate, "$.agents[1]" → agents,
    /// "$['a.b']" → a.b; null for the body itself. Every API that binds a body names the field with it.
    /// </summary>
    public static string? JsonField(string? path)
    {
        if (path is null) return null;
        // A name with '.', '[' or the like is written in brackets, its quotes escaped.
        if (path.StartsWith("$['", StringComparison.Ordinal))
            return path.IndexOf("']", 3, StringComparison.Ordinal) is >= 3 and var close ? path[3..close].Replace("\\'", "'", StringComparison.Ordinal) : null;
        if (!path.StartsWith("$.", StringComparison.Ordinal)) return null;
        var next = path.IndexOfAny(['.', '['], 2);
        var name = next < 0 ? path[2..] : path[2..next];
        return name.Length == 0 ? null : name;
    }

    /// <summary>Request text echoed in messages: short, so a 1 MB value never comes back in a 1 MB error.</summary>
    public static string Excerpt(string? text, int max = 40) =>
        text is null ? "" : text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}
