using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.AspNetCore;

/// <summary>
/// Serves the package's static web assets (<c>_content/LiveDash.AspNetCore/</c>, which <c>UseLiveDash</c> makes
/// part of the web root in any environment) under the dashboard's own path, behind its loopback rule.
/// </summary>
static class DashboardAssets
{
    public const string Root = "_content/LiveDash.AspNetCore/";
    static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static IResult Serve(HttpContext context, string file)
    {
        if (file.Contains("..", StringComparison.Ordinal) || file.Contains('\\')) return Results.NotFound();
        var environment = context.RequestServices.GetRequiredService<IWebHostEnvironment>();
        var info = environment.WebRootFileProvider.GetFileInfo(Root + file);
        if (!info.Exists || info.IsDirectory) return Results.NotFound();
        if (!ContentTypes.TryGetContentType(file, out var contentType)) contentType = "application/octet-stream";
        return Results.File(info.CreateReadStream(), contentType, lastModified: info.LastModified);
    }
}
