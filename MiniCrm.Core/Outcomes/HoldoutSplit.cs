namespace MiniCrm.Core.Outcomes;

/// <summary>
/// Which customers of a campaign are held out: those whose bucket (0–99), from the MD5 of the campaign's id and the
/// customer's id, is below the campaign's holdout percentage. Random across customers, independent of anything a
/// customer is or did, and the same on every attempt (a prepare that is retried holds out the same people).
/// </summary>
public static class HoldoutSplit
{
    /// <summary>The log row's status in SQL: HELD_OUT or PENDING (the three arguments are SQL expressions).</summary>
    public static string Sql(string campaign, string customer, string percent) =>
        $"CASE WHEN {percent} > 0 AND {Bucket(campaign, customer)} < {percent} THEN 'HELD_OUT' ELSE 'PENDING' END";

    /// <summary>The customer's bucket in SQL: the first 28 bits of md5(campaign || customer), modulo 100.</summary>
    public static string Bucket(string campaign, string customer) =>
        $"(('x' || left(md5({campaign}::text || {customer}::text), 7))::bit(28)::int % 100)";

    /// <summary>The same bucket in C#, for tests and tools.</summary>
    public static int Bucket(Guid campaign, Guid customer)
    {
        var hash = System.Security.Cryptography.MD5.HashData(System.Text.Encoding.ASCII.GetBytes(campaign.ToString() + customer.ToString()));
        var first28 = (hash[0] << 20) | (hash[1] << 12) | (hash[2] << 4) | (hash[3] >> 4);
        return first28 % 100;
    }
}
