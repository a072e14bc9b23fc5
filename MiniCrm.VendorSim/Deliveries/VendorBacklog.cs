using MiniCrm.ServiceDefaults.Operations;

namespace MiniCrm.VendorSim.Deliveries;

/// <summary>
/// Deliveries the vendor accepted whose receipts the CRM has not yet taken. An orderly stop waits
/// until this is zero, so nothing the vendor said 202 to is forgotten with its in-memory queues.
/// </summary>
public sealed class VendorBacklog : IDrainProgress
{
    private long _deliveries;

    public long Deliveries => Interlocked.Read(ref _deliveries);

    public void Accepted(int deliveries) => Interlocked.Add(ref _deliveries, deliveries);

    public void Reported(int deliveries) => Interlocked.Add(ref _deliveries, -deliveries);

    public IEnumerable<KeyValuePair<string, long>> Remaining() => [new("deliveriesWithoutReceipt", Deliveries)];
}
