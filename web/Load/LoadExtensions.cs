using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiveDash.Load;

public static class LoadExtensions
{
    public static void AddLoad(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LoadAgents>();
        builder.Services.AddSingleton<LoadRuns>();
        builder.Services.AddHostedService<LoadSupervisor>();
        // In a farm on PostgreSQL, agents and runs are farm-wide (it does nothing without the farm's database).
        builder.Services.AddSingleton<LoadFarm>();
        builder.Services.AddSingleton<LiveDash.Farm.IFarmChannelReader>(sp => sp.GetRequiredService<LoadFarm>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LoadFarm>());
        builder.Services.TryAddSingleton(TimeProvider.System);
    }

    public static void MapLoad(this IEndpointRouteBuilder app) => app.MapLoadApi();
}
