using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiveDash.Load;

public static class LoadExtensions
{
    public static void AddLoad(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LoadAgents>();
        builder.Services.AddSingleton<LoadRuns>();
        builder.Services.AddHostedService<LoadSupervisor>();
        builder.Services.TryAddSingleton(TimeProvider.System);
    }

    public static void MapLoad(this IEndpointRouteBuilder app) => app.MapLoadApi();
}
