using Microsoft.Extensions.Options;
using MiniCrm.Api.Application.Team;
using MiniCrm.Api.Http;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Consent;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// A message rendered for one customer and sent to them, or to someone of the team, without a campaign: once per
/// Idempotency-Key (its delivery id comes from the key, so the vendor drops a repeat too).
/// </summary>
public sealed class TestSends(CrmDbContext db, TestSender sender, IdempotencyKeys keys, Access access, IOptions<ConsentOptions> consent)
{
    /// <summary>What a test send's Idempotency-Key stands for, with its body.</summary>
    public const string Operation = "POST /api/campaigns/test-send";

    /// <summary>A test send of <paramref name="request"/>, as the caller, once per <paramref name="key"/>.</summary>
    public Task<Result<TestSendAnswer>> SendAsync(TestSendRequest request, string? key, CancellationToken ct) =>
        access.RunAsync(Operations.TestSend, request.CustomerId, () =>
        {
            var once = IdempotentRequest.For(key, access.Caller.Id, Operation, ApiJson.Fingerprint(request, ApiJson.Default.TestSendRequest));
            return keys.OnceAsync(once, async () =>
            {
                var answer = await SendOnceAsync(request, once, ct);
                if (once is not null && answer.Value is { } sent)
                {
                    await keys.CompleteAsync(once, StatusCodes.Status202Accepted, sent, CancellationToken.None);
                }

                return answer;
            }, ct);
        }, ct);

    private async Task<Result<TestSendAnswer>> SendOnceAsync(TestSendRequest request, IdempotentRequest? once, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var customerId = request.CustomerId;
        var to = ReadRecipient(request.To, errors);
        if (to is not null && !await IsTeamAddressAsync(to, errors, ct))
        {
            to = null;
        }

        var message = request.Message;
        if (message is not null && StoredText.Problem(message, allowLineBreaks: true) is { } problem)
        {
            errors.Add(new FieldError("message", problem));
        }

        var template = errors.Any(e => e.Field == "message") ? null : MessageTemplate.Parse(message, errors);
        if (template is { HasUnsubscribeLink: true } && string.IsNullOrEmpty(consent.Value.LinkSigningKey))
        {
            errors.Add(new FieldError("message", "{{unsubscribe_url}} needs Consent:LinkSigningKey (the AppHost's link-signing-key), which this Api does not have."));
        }

        var customer = customerId is { } id ? await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) : null;
        if (customerId is null)
        {
            errors.Add(new FieldError("customerId", "Required: the customer to render the message for."));
        }
        else if (customerId is not null && customer is null)
        {
            errors.Add(new FieldError("customerId", "No customer has this id."));
        }

        if (errors.Count > 0 || template is null || customer is null)
        {
            return CrmProblem.Invalid(errors);
        }

        if (customer.UnsubscribedAt is not null && to is null)
        {
            return CrmProblem.Conflict("The customer unsubscribed",
                "This customer asked not to be messaged; choose another one for the test, or send it to your own address.");
        }

        TestSendResult sent;
        try
        {
            sent = await sender.SendAsync(template, customer, to, once is null ? null : DeliveryIdOf(once), ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException ||
                                   ex is TaskCanceledException && !ct.IsCancellationRequested)
        {
            return CrmProblem.Unavailable("The messaging vendor could not be reached; nothing was sent. Try again shortly.", 10);
        }

        return (int)sent.VendorStatus switch
        {
            >= 200 and < 300 => new TestSendAnswer(sent.DeliveryId, sent.CustomerId, sent.Message, to is null ? customer.Email : to.Email ?? to.Phone!),
            >= 500 or 401 or 403 or 408 or 429 => CrmProblem.Unavailable($"The messaging vendor answered {(int)sent.VendorStatus}; nothing was sent. Try again shortly.", 10),
            _ => CrmProblem.Unprocessable("The vendor refused the message", $"The messaging vendor answered {(int)sent.VendorStatus} to this message."),
        };
    }

    /// <summary>
    /// A test goes to the customer it is rendered for, or to someone of the team: a MiniCrm user's sign-in address, or
    /// the phone a user saved for tests (<c>PUT /api/me/phone</c>). Anything else is refused, so the test send cannot
    /// message strangers past consent.
    /// </summary>
    private async Task<bool> IsTeamAddressAsync(TestRecipient to, List<FieldError> errors, CancellationToken ct)
    {
        if (to.Email is { } email && !await db.Users.AnyAsync(u => u.Email != null && u.Email.ToLower() == email, ct))
        {
            errors.Add(new FieldError("to.email", "Only a MiniCrm user's sign-in address (yours or a teammate's) can get a test."));
        }

        if (to.Phone is { } phone && !await db.Users.AnyAsync(u => u.Phone == phone, ct))
        {
            errors.Add(new FieldError("to.phone", "Only a phone a MiniCrm user saved for tests can get one: save yours with PUT /api/me/phone (or in the composer)."));
        }

        return !errors.Any(e => e.Field.StartsWith("to.", StringComparison.Ordinal));
    }

    /// <summary><c>to</c>: {email?, phone?}, at least one, each as a customer's would be checked.</summary>
    private static TestRecipient? ReadRecipient(TestRecipient? to, List<FieldError> errors)
    {
        if (to is null)
        {
            return null;
        }

        var before = errors.Count;
        var email = TextField.Read(to.Email, "to.email", errors, required: false, 320)?.ToLowerInvariant();
        if (email is not null && !CustomerIntake.IsEmail(email))
        {
            errors.Add(new FieldError("to.email", "Is not a valid email address."));
            return null;
        }

        var phoneText = TextField.Read(to.Phone, "to.phone", errors, required: false, 20);
        var phone = phoneText is null ? null : CustomerIntake.TenDigitPhone(phoneText);
        if (phoneText is not null && phone is null)
        {
            errors.Add(new FieldError("to.phone", "Must be 10 digits."));
            return null;
        }

        if (email is null && phone is null)
        {
            if (errors.Count == before)
            {
                errors.Add(new FieldError("to", "Give an email, a phone number, or both."));
            }

            return null;
        }

        return new TestRecipient(email, phone);
    }

    /// <summary>The delivery id of a test sent with an Idempotency-Key: the same for every repeat, so the vendor messages once.</summary>
    private static Guid DeliveryIdOf(IdempotentRequest once)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"test-send\n{once.Owner}\n{once.Key}"));
        hash[6] = (byte)(0x80 | (hash[6] & 0x0F)); // version 8: a name-based id of our own
        hash[8] = (byte)(0x80 | (hash[8] & 0x3F));
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
