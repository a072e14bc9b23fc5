using MiniCrm.Api.Auth;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Http;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Apis;

/// <summary>An order as it is now: <c>updatedAt</c> is when its current version was made (see POST /api/orders).</summary>
public sealed record OrderView(string Id, Guid CustomerId, DateTimeOffset OrderDate, decimal Amount, OrderStatus Status, IReadOnlyList<OrderItemView> Items,
    DateTimeOffset UpdatedAt)
{
    public static OrderView From(Order o) => new(o.Id, o.CustomerId, o.OrderDate, o.Amount, o.Status,
        [.. o.Items.OrderBy(i => i.Id).Select(i => new OrderItemView(i.Name, i.Quantity, i.UnitPrice, i.Total))], o.UpdatedAt);
}

public sealed record OrderItemView(string Name, int Quantity, decimal UnitPrice, decimal Total);

public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/orders", ListOrders).WithTags("Orders").RequireAuthorization(CrmAuthentication.MarketerPolicy).ProducesProblem(StatusCodes.Status401Unauthorized).WithSummary("Orders, newest first, optionally of one customer or one status");
        return app;
    }

    public static async Task<Results<Ok<Page<OrderView>>, ValidationProblem>> ListOrders(
        CrmDbContext db, int? limit, string? cursor, Guid? customerId, string? status, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var query = db.Orders.AsNoTracking();
        if (customerId is { } customer)
        {
            query = query.Where(o => o.CustomerId == customer);
        }

        if (!string.IsNullOrEmpty(status))
        {
            if (Enum.TryParse<OrderStatus>(status, ignoreCase: true, out var s) && status.All(char.IsLetter))
            {
                query = query.Where(o => o.Status == s);
            }
            else
            {
                errors.Add(new FieldError("status", "Use PENDING, COMPLETED, CANCELLED or REFUNDED."));
            }
        }

        if (cursor is not null)
        {
            if (KeysetCursor.TryDecode(cursor, out var value, out var afterId) &&
                DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var afterDate))
            {
                afterDate = afterDate.ToUniversalTime(); // timestamptz parameters are UTC
                query = query.Where(o => o.OrderDate < afterDate || (o.OrderDate == afterDate && string.Compare(o.Id, afterId) < 0));
            }
            else
            {
                errors.Add(new FieldError("cursor", "Not a cursor this API returned."));
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var take = Paging.Clamp(limit);
        var rows = await query.OrderByDescending(o => o.OrderDate).ThenByDescending(o => o.Id)
            .Take(take + 1).Include(o => o.Items).ToListAsync(ct);
        string? next = null;
        if (rows.Count > take)
        {
            rows.RemoveAt(take);
            next = KeysetCursor.Encode(rows[^1].OrderDate.ToString("O", CultureInfo.InvariantCulture), rows[^1].Id);
        }

        return TypedResults.Ok(new Page<OrderView>([.. rows.Select(OrderView.From)], next));
    }
}
