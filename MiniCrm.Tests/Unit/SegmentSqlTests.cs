using MiniCrm.Core.Segments;
using NpgsqlTypes;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class SegmentSqlTests
{
    [Theory]
    [InlineData(3, NpgsqlDbType.Bigint)]
    [InlineData(0, NpgsqlDbType.Bigint)]
    [InlineData(2.5, NpgsqlDbType.Numeric)]
    public void Visits_are_compared_as_integers_when_the_value_is_whole(double value, NpgsqlDbType expected)
    {
        var group = new RuleGroup(Combinator.And, [new Rule(SegmentAttribute.Visit, ComparisonOperator.GreaterThanOrEqual, (decimal)value)]);

        var sql = SegmentSql.Compile(group, DateTimeOffset.UtcNow);

        Assert.Contains("c.visits >=", sql.Condition);
        var parameter = Assert.Single(sql.Parameters);
        Assert.Equal(expected, parameter.NpgsqlDbType);
        Assert.Equal(expected == NpgsqlDbType.Bigint ? (long)value : (object)(decimal)value, parameter.Value);
    }
}
