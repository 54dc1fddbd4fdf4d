using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace LiveDash.AspNetCore;

/// <summary>
/// The library's refusals, as ASP.NET Core's own problem details (RFC 9457, <c>application/problem+json</c>, written by the
/// host's <c>IProblemDetailsService</c> when it has one): a bad field is named in <c>errors</c>, and every problem also carries
/// <c>error</c> (and <c>field</c>), the members a host's scripts read from the store's problems too.
/// </summary>
static class LiveDashProblem
{
    /// <summary>400 naming <paramref name="field"/>.</summary>
    public static ValidationProblem BadField(string field, string detail) => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { [field] = [detail] },
        detail: detail,
        title: ReasonPhrases.GetReasonPhrase(StatusCodes.Status400BadRequest),
        extensions: new Dictionary<string, object?> { ["error"] = detail, ["field"] = field });

    /// <summary><paramref name="status"/> with <paramref name="detail"/>; the title is the status's reason phrase unless given.</summary>
    public static ProblemHttpResult Of(int status, string detail, string? title = null) => TypedResults.Problem(
        detail: detail,
        statusCode: status,
        title: title ?? ReasonPhrases.GetReasonPhrase(status),
        extensions: new Dictionary<string, object?> { ["error"] = detail });
}
