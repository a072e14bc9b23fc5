using System.ComponentModel.DataAnnotations;

namespace MiniCrm.VendorSim.Shop;

/// <summary>
/// The simulated shoppers (<c>Shop:*</c>): a share of the customers a message reached buy within a delay, through the CRM's
/// ingestion API with its key, so F5 and the tests have a known truth for a campaign's lift. Changeable while running
/// (<c>PUT /shop</c>, operations key).
/// </summary>
public sealed class ShopOptions
{
    public const string SectionName = "Shop";

    /// <summary>The share of messaged customers (delivered) who buy because of the message, 0 to 1; 0 turns the shoppers off.</summary>
    [Range(0.0, 1.0)]
    public double BuyRate { get; set; } = 0.2;

    /// <summary>The longest wait between a message and its purchase; each buyer waits a random time up to it.</summary>
    [Range(1, 86_400)]
    public int MaxDelaySeconds { get; set; } = 60;

    /// <summary>The ingestion API key (the AppHost's ingest-api-key); empty turns the shoppers off.</summary>
    public string IngestApiKey { get; set; } = "";
}
