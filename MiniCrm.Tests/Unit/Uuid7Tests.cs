using MiniCrm.Api.Infrastructure;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class Uuid7Tests
{
    [Fact]
    public void Ids_are_version_7_with_the_rfc_variant_the_timestamp_and_no_repeats()
    {
        var at = new DateTimeOffset(2026, 11, 25, 21, 0, 0, 123, TimeSpan.Zero);
        var ids = Uuid7.Create(10_000, at);

        Assert.Equal(10_000, ids.Distinct().Count());
        foreach (var id in ids)
        {
            Assert.Equal(7, id.Version);
            Assert.Equal(0b10, id.Variant >> 2);
            var bytes = id.ToByteArray(bigEndian: true);
            var milliseconds = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
            Assert.Equal(at.ToUnixTimeMilliseconds(), milliseconds);
        }
    }

    [Fact]
    public void Ids_sort_after_those_of_an_earlier_millisecond_like_the_framework_s_own()
    {
        var earlier = Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        var later = Uuid7.Create(1, DateTimeOffset.FromUnixTimeMilliseconds(1_000_001))[0];

        Assert.True(string.CompareOrdinal(earlier.ToString(), later.ToString()) < 0);
        Assert.Empty(Uuid7.Create(0, DateTimeOffset.UtcNow));
    }
}
