using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;
using MiniCrm.Api.Http;
using MiniCrm.Core.Messaging;
using MiniCrm.Core.Segments;
using Npgsql;

namespace MiniCrm.Api.Application.Ingestion;

/// <summary>
/// Validates customers as DESIGN.md defines them, in bulk: one query finds which emails and phones
/// exist already, whatever the size of the request. Each key is looked up by a LATERAL subquery
/// (its LIMIT keeps the planner from flattening it into a join), which can only be an index probe per key: written as <c>email = ANY(@keys)</c> (or as a plain
/// join), thousands of keys let the planner choose a full scan, above all while a first bulk load
/// runs ahead of the statistics; measured 190-500 ms per 5,000-item request over a million
/// customers against 6 ms.
/// </summary>
public sealed partial class CustomerIntake(CrmDbContext db, TimeProvider clock)
{
    public const int MaxNameLength = 200;
    public const int MaxCityLength = 100;

    public async Task<Intake<CustomerSubmitted>> ValidateAsync(IReadOnlyList<JsonElement> items, CancellationToken ct)
    {
        var candidates = new List<(int Index, CustomerSubmitted Customer)>();
        var rejected = new List<RejectedItem>();
        var now = clock.GetUtcNow();
        var ids = Uuid7.Create(items.Count, now);

        for (var i = 0; i < items.Count; i++)
        {
            var errors = new List<FieldError>();
            var reader = new FieldReader(items[i], "", errors);
            if (!reader.IsObject)
            {
                rejected.Add(new RejectedItem(i, "item", "Must be an object: {\"name\", \"email\", \"phone\", \"city\"}."));
                continue;
            }

            var name = reader.String("name", required: true, MaxNameLength, minLength: 2);
            var email = reader.String("email", required: true, 320)?.ToLowerInvariant();
            if (email is not null && !IsEmail(email))
            {
                reader.Error("email", "Is not a valid email address.");
                email = null;
            }

            var phoneText = reader.String("phone", required: false, 20);
            var phone = phoneText is null ? null : TenDigitPhone(phoneText);
            if (phoneText is not null && phone is null)
            {
                reader.Error("phone", "Must be 10 digits.");
            }

            var city = reader.String("city", required: true, MaxCityLength);
            if (errors.Count > 0)
            {
                rejected.AddRange(errors.Select(e => new RejectedItem(i, e.Field, e.Message)));
                continue;
            }

            candidates.Add((i, new CustomerSubmitted(ids[i], name!, email!, phone, city, now)));
        }

        // Uniqueness: within the request, then against the database.
        // Repeats within the request are found below; looking a key up twice costs less than removing repeats first.
        var emails = candidates.Select(c => c.Customer.Email).ToArray();
        var phones = candidates.Where(c => c.Customer.Phone is not null).Select(c => c.Customer.Phone!).ToArray();
        var existing = await db.ListAsync(
            """
            SELECT c.email, c.phone FROM unnest(@emails) AS k(email), LATERAL (SELECT email, phone FROM customers WHERE email = k.email LIMIT 1) c
            UNION ALL
            SELECT c.email, c.phone FROM unnest(@phones) AS k(phone), LATERAL (SELECT email, phone FROM customers WHERE phone = k.phone LIMIT 1) c
            """,
            [new NpgsqlParameter<string[]>("emails", emails), new NpgsqlParameter<string[]>("phones", phones)],
            r => (Email: r.GetString(0), Phone: r.NullableString(1)), ct);
        var takenEmails = existing.Select(e => e.Email).ToHashSet();
        var takenPhones = existing.Where(e => e.Phone is not null).Select(e => e.Phone!).ToHashSet();
        var seenEmails = new Dictionary<string, int>();
        var seenPhones = new Dictionary<string, int>();

        var accepted = new List<(int, string, CustomerSubmitted)>();
        foreach (var (index, customer) in candidates)
        {
            if (takenEmails.Contains(customer.Email))
            {
                rejected.Add(new RejectedItem(index, "email", "A customer with this email exists already."));
            }
            else if (customer.Phone is not null && takenPhones.Contains(customer.Phone))
            {
                rejected.Add(new RejectedItem(index, "phone", "A customer with this phone exists already."));
            }
            else if (seenEmails.TryGetValue(customer.Email, out var first))
            {
                rejected.Add(new RejectedItem(index, "email", $"Repeats the email of item {first}."));
            }
            else if (customer.Phone is not null && seenPhones.TryGetValue(customer.Phone, out var firstPhone))
            {
                rejected.Add(new RejectedItem(index, "phone", $"Repeats the phone of item {firstPhone}."));
            }
            else
            {
                seenEmails[customer.Email] = index;
                if (customer.Phone is not null)
                {
                    seenPhones[customer.Phone] = index;
                }

                accepted.Add((index, customer.Email, customer));
            }
        }

        return new Intake<CustomerSubmitted>(accepted, [.. rejected.OrderBy(r => r.Index)]);
    }

    /// <summary>The phone as stored (separators such as spaces, dashes and brackets dropped), or null when it is not 10 digits.</summary>
    public static string? TenDigitPhone(string phone)
    {
        var digits = PhoneSeparators().Replace(phone, "");
        return TenDigits().IsMatch(digits) ? digits : null;
    }

    public static bool IsEmail(string email) =>
        SimpleEmail().IsMatch(email) && MailAddress.TryCreate(email, out var address) && address.Address == email;

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex SimpleEmail();

    [GeneratedRegex(@"^[0-9]{10}$")]
    private static partial Regex TenDigits();

    [GeneratedRegex(@"[\s\-().]")]
    private static partial Regex PhoneSeparators();
}
