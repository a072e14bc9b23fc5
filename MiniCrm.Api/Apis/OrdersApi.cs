using MiniCrm.Api.Application.Orders;
using MiniCrm.Api.Auth;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Http;
using MiniCrm.Core.Segments;
using Npgsql;

namespace MiniCrm.Api.Apis;

public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/orders", ListOrders).WithTags("Orders").RequireAuthorization(CrmAuthentication.MarketerPolicy).ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Orders, newest first, optionally of one customer, one status, or ordered from {from} until before {to}");
        app.MapGet("/api/orders.csv", DownloadOrders).WithTags("Orders").RequireAuthorization(CrmAuthentication.MarketerPolicy).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("The orders the same filters select, as CSV, one line per item: the columns an orders import takes, and the customer's name");
        return app;
    }

    /// <param name="customerId">Only this customer's orders.</param>
    /// <param name="status">Only orders in this status.</param>
    /// <param name="from">Only orders dated at or after this time.</param>
    /// <param name="to">Only orders dated before this time.</param>
    public static async Task<Results<Ok<Page<OrderView>>, ValidationProblem>> ListOrders(
        OrderQueries orders, int? limit, string? cursor, Guid? customerId, string? status, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
        (await orders.ListAsync(new OrderListQuery(limit, cursor, customerId, status, from, to), ct)).OkOrInvalid();

    /// <summary>Streamed, newest first: one line per item, the order's fields on each (as an orders import reads them back).</summary>
    public static async Task<Results<EmptyHttpResult, ValidationProblem, ProblemHttpResult>> DownloadOrders(
        HttpContext context, NpgsqlDataSource database, Access access, Guid? customerId, string? status, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        if (access.Refuse(Operations.ExportOrders) is { } refused)
        {
            return ResultHttp.Problem(refused, context);
        }

        var errors = new List<FieldError>();
        var filter = OrderFilter.Read(customerId, status, from, to, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var parameters = new List<NpgsqlParameter>();
        var where = filter.Sql(parameters);
        await access.RecordAsync(Operations.ExportOrders, customerId, $"status={status ?? "all"}; from={from:O}; to={to:O}", ct);

        await using var connection = await database.OpenConnectionAsync(ct);
        await CsvDownload.WriteAsync(context, connection, "orders.csv",
            "orderId,customerId,customerEmail,customerName,amount,status,orderDate,updatedAt,itemName,quantity,unitPrice",
            $"""
            SELECT o.id, o.customer_id, c.email, c.name, o.amount, o.status, o.order_date, o.updated_at, i.name, i.quantity, i.unit_price
            FROM orders o JOIN customers c ON c.id = o.customer_id LEFT JOIN order_items i ON i.order_id = o.id
            WHERE {where}
            ORDER BY o.order_date DESC, o.id DESC, i.id
            """,
            parameters,
            r => [r.GetString(0), r.GetGuid(1).ToString(), r.GetString(2), r.GetString(3), r.GetDecimal(4).ToString(CultureInfo.InvariantCulture), r.GetString(5),
                  r.GetFieldValue<DateTime>(6).ToString("O", CultureInfo.InvariantCulture), r.GetFieldValue<DateTime>(7).ToString("O", CultureInfo.InvariantCulture),
                  r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetInt32(9).ToString(CultureInfo.InvariantCulture),
                  r.IsDBNull(10) ? null : r.GetDecimal(10).ToString(CultureInfo.InvariantCulture)],
            ct);
        return TypedResults.Empty;
    }
}
