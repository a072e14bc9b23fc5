using System.Globalization;

namespace MiniCrm.AppHost.Infrastructure.Postgres;

/// <summary>
/// A PostgreSQL server run from the machine's installed binaries (Local mode). It exposes the
/// same connection string shape as Aspire's <c>PostgresServerResource</c>, so services cannot
/// tell it from the container.
/// </summary>
public sealed class LocalPostgresServerResource(string name, LocalPostgresOptions options, ParameterResource password)
    : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    public const string UserName = "postgres";

    public LocalPostgresOptions Options { get; } = options;

    public ParameterResource PasswordParameter { get; } = password;

    internal List<LocalPostgresDatabaseResource> Databases { get; } = [];

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Options.Port.ToString(CultureInfo.InvariantCulture)};Username={UserName};Password={PasswordParameter}");
}

/// <summary>A database on a <see cref="LocalPostgresServerResource"/>, created when the server starts.</summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresServerResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresServerResource>, IResourceWithConnectionString, IResourceWithWaitSupport
{
    public string DatabaseName { get; } = databaseName;

    public LocalPostgresServerResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}
