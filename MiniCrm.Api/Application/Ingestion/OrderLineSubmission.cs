using System.ComponentModel;

namespace MiniCrm.Api.Application.Ingestion;

public sealed record OrderLineSubmission(
    string Name,
    [property: Description("1 to 1,000,000")] int Quantity,
    decimal UnitPrice,
    [property: Description("optional; must equal quantity × unitPrice")] decimal? Total);
