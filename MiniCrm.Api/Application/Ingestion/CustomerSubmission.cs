using System.ComponentModel;

namespace MiniCrm.Api.Application.Ingestion;

// An item of a body read item by item (each accepted or rejected on its own), so the intake reads the JSON itself and names
// every field it rejects; this record is that item's schema in the OpenAPI document.
/// <summary>A customer from a source system. An array of up to 5,000 is accepted as well as one.</summary>
public sealed record CustomerSubmission(
    [property: Description("2 to 200 characters")] string Name,
    [property: Description("a valid email, unique")] string Email,
    [property: Description("10 digits, unique, optional")] string? Phone,
    [property: Description("up to 100 characters")] string City);
