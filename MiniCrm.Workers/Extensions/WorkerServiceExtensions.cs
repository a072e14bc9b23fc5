using MiniCrm.Core.Infrastructure;

namespace MiniCrm.Workers.Extensions;

internal static class WorkerServiceExtensions
{
    public static void AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<CrmDbContext>(
            CrmDatabase.ConnectionName,
            settings => settings.DisableRetry = true,
            options => options.UseCrmConventions());
    }
}
