namespace MiniCrm.Api.Application.Customers;

/// <summary>How many customers a list's filters select (all of them without filters).</summary>
public sealed record CustomerCount(long Count);
