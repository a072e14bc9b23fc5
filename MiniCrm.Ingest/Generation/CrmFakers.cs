using Bogus;

namespace MiniCrm.Ingest.Generation;

public sealed record NewCustomer(string Name, string Email, string Phone, string City);

public sealed record NewOrderItem(string Name, int Quantity, decimal UnitPrice);

/// <summary>An order as the ingestion API takes it, naming its customer by email (one submitted in this run) or by id (one stored before).</summary>
public sealed record NewOrder(string OrderId, string? CustomerEmail, Guid? CustomerId, decimal Amount, string Status, DateTimeOffset OrderDate, IReadOnlyList<NewOrderItem> Items);

/// <summary>
/// Realistic customers and orders, like the seed's faker. Emails, phones and order ids carry a
/// per-run prefix and a counter, so a run never collides with itself and rarely with an earlier run.
/// </summary>
public sealed class CrmFakers
{
    private static readonly string[] Cities =
    [
        "Mumbai", "Delhi", "Bengaluru", "Hyderabad", "Ahmedabad", "Chennai", "Kolkata", "Pune",
        "Jaipur", "Lucknow", "Kanpur", "Nagpur", "Indore", "Bhopal", "Surat", "Kochi",
    ];

    private static readonly (string Status, float Weight)[] Statuses =
    [
        ("COMPLETED", 0.6f), ("PENDING", 0.15f), ("CANCELLED", 0.1f), ("REFUNDED", 0.15f),
    ];

    private readonly Faker _faker;
    private readonly string _run;
    private readonly long _phoneBase;
    private long _customers;
    private long _orders;

    public CrmFakers(int? seed = null)
    {
        _faker = new Faker("en_IND");
        var random = seed is { } s ? new Random(s) : Random.Shared;
        if (seed is { } fixedSeed)
        {
            _faker.Random = new Randomizer(fixedSeed);
        }

        _run = Convert.ToHexStringLower(BitConverter.GetBytes(random.Next())).TrimEnd('0')[..6].PadRight(6, '0');
        _phoneBase = random.NextInt64(0, 900_000_000);
    }

    public NewCustomer NextCustomer()
    {
        var n = Interlocked.Increment(ref _customers);
        var first = _faker.Name.FirstName();
        var last = _faker.Name.LastName();
        var email = $"{Clean(first)}.{Clean(last)}.{_run}{n}@{_faker.PickRandom("example.com", "example.in", "example.org")}";
        // Indian mobile numbers start with 6-9; the counter keeps them unique within the run.
        var phone = $"{6 + n % 4}{(_phoneBase + n) % 1_000_000_000:D9}";
        return new NewCustomer($"{first} {last}", email, phone, _faker.PickRandom(Cities));
    }

    public NewOrder NextOrder(string customerEmail) => NextOrder(customerEmail, null);

    public NewOrder NextOrder(Guid customerId) => NextOrder(null, customerId);

    /// <summary>An order placed now, for a stored customer (the stream's background orders).</summary>
    public NewOrder OrderNow(Guid customerId) => NextOrder(null, customerId) with { OrderDate = DateTimeOffset.UtcNow };

    private NewOrder NextOrder(string? customerEmail, Guid? customerId)
    {
        var n = Interlocked.Increment(ref _orders);
        var items = Enumerable.Range(0, _faker.Random.Int(1, 5))
            .Select(_ => new NewOrderItem(_faker.Commerce.ProductName(), _faker.Random.Int(1, 5), Math.Round(_faker.Random.Decimal(99, 4999), 2)))
            .ToList();
        var status = _faker.Random.WeightedRandom(Statuses.Select(s => s.Status).ToArray(), Statuses.Select(s => s.Weight).ToArray());
        return new NewOrder(
            $"ORD-{_run}-{n}",
            customerEmail,
            customerId,
            items.Sum(i => i.Quantity * i.UnitPrice),
            status,
            DateTimeOffset.UtcNow.AddDays(-_faker.Random.Double(0, 365)),
            items);
    }

    private static string Clean(string name) => new([.. name.ToLowerInvariant().Where(char.IsAsciiLetter)]);
}
