using MiniCrm.Api.Application.Customers;
using MiniCrm.Api.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Http;

namespace MiniCrm.Api.Apis;

public static class CustomersApi
{
    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/customers").WithTags("Customers").RequireAuthorization(CrmAuthentication.MarketerPolicy).ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapGet("/", ListCustomers).WithSummary("Customers, newest first or by spend, optionally those a rule group selects or whose name, email or phone contains {search}");
        api.MapGet("/count", CountCustomers).WithSummary("How many customers the list's filters (rules, search) select");
        api.MapGet("/{id:guid}", GetCustomer).WithSummary("One customer with their most recent orders");
        api.MapGet("/{id:guid}/campaigns", CampaignsOf).WithSummary("The campaigns that reached a customer, newest first (at most 100)");
        return app;
    }

    /// <param name="sort"><c>createdAt</c> (newest first, the default) or <c>totalSpend</c> (highest first).</param>
    /// <param name="rules">A rule group as JSON, to list only the customers it selects.</param>
    /// <param name="search">Only customers whose name, email or phone contains these words.</param>
    public static async Task<Results<Ok<Page<CustomerSummary>>, ValidationProblem>> ListCustomers(
        CustomerQueries customers, int? limit, string? cursor, string? sort, string? rules, string? search, CancellationToken ct) =>
        (await customers.ListAsync(new CustomerListQuery(limit, cursor, sort, rules, search), ct)).OkOrInvalid();

    /// <param name="rules">A rule group as JSON, as for the list.</param>
    /// <param name="search">Words in the name, email or phone, as for the list.</param>
    public static async Task<Results<Ok<CustomerCount>, ValidationProblem>> CountCustomers(CustomerQueries customers, string? rules, string? search, CancellationToken ct) =>
        (await customers.CountAsync(rules, search, ct)).OkOrInvalid();

    /// <summary>The customer, also by an alias id (a raced duplicate's id): the answer then carries the customer's own id.</summary>
    public static async Task<Results<Ok<CustomerDetail>, NotFound>> GetCustomer(Guid id, CustomerQueries customers, CancellationToken ct) =>
        (await customers.GetAsync(id, ct)).OkOrNotFound();

    public static async Task<Results<Ok<IReadOnlyList<CustomerCampaignView>>, NotFound>> CampaignsOf(Guid id, CustomerQueries customers, CancellationToken ct) =>
        (await customers.CampaignsOfAsync(id, ct)).OkOrNotFound();
}
