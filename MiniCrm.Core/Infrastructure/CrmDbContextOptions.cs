using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace MiniCrm.Core.Infrastructure;

public static class CrmDbContextOptions
{
    /// <summary>The provider options every user of the context shares (services, tools, tests).</summary>
    public static void ConfigureNpgsql(NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql.MigrationsAssembly(typeof(CrmDbContext).Assembly.GetName().Name);

    public static DbContextOptionsBuilder UseCrmConventions(this DbContextOptionsBuilder options) =>
        options.UseSnakeCaseNamingConvention();
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting a service.</summary>
internal sealed class DesignTimeCrmDbContextFactory : IDesignTimeDbContextFactory<CrmDbContext>
{
    public CrmDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<CrmDbContext>()
            .UseNpgsql("Host=localhost;Database=crmdb", CrmDbContextOptions.ConfigureNpgsql);
        options.UseCrmConventions();
        return new CrmDbContext(options.Options);
    }
}
