using Microsoft.AspNetCore.Authorization;

namespace LiveDash.Admin;

/// <summary>
/// Marks an endpoint that is anonymous and never reads the user (the store's JSON twins, /api/ping). Such a request
/// skips authentication, the admin API's antiforgery check and authorization, which would only cost it time: the
/// cookie handler, a service scope and three more middleware on every request. ASP.NET's <c>ShortCircuit()</c> does
/// the same, but straight after routing; this runs after the store's worker dispatch and the telemetry mark.
/// </summary>
public sealed class AnonymousFastPath
{
    public static readonly AnonymousFastPath Instance = new();

    AnonymousFastPath() { }
}

public static class AnonymousFastPathExtensions
{
    public static TBuilder SkipsSignIn<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AnonymousFastPath.Instance);

    /// <summary>Between routing and authentication: a marked endpoint runs here and the rest of the pipeline is skipped.</summary>
    public static void UseAnonymousFastPath(this WebApplication app) => app.Use(next => context =>
    {
        var endpoint = context.GetEndpoint();
        // An endpoint that asks for authorization as well goes the whole way, where the authorization middleware enforces it.
        if (endpoint?.RequestDelegate is { } handler && endpoint.Metadata.GetMetadata<AnonymousFastPath>() is not null
            && endpoint.Metadata.GetMetadata<IAuthorizeData>() is null)
            return handler(context);
        return next(context);
    });
}
