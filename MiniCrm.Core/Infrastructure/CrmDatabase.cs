namespace MiniCrm.Core.Infrastructure;

public static class CrmDatabase
{
    /// <summary>The connection name the AppHost gives the database (<c>ConnectionStrings:crmdb</c>).</summary>
    public const string ConnectionName = "crmdb";
}
