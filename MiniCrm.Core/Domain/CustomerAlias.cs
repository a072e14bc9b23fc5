namespace MiniCrm.Core.Domain;

/// <summary>
/// An id the Api gave a customer that turned out to exist already: two requests with the same email
/// (or phone) raced, both were answered 202 with an id of their own, and the Workers stored the first.
/// The second id stays valid: it names the stored customer, for reads and for orders.
/// </summary>
public sealed class CustomerAlias
{
    public Guid Id { get; set; }

    public Guid CustomerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
