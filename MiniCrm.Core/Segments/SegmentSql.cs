using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Core.Segments;

/// <summary>
/// Compiles a validated rule group to a SQL condition over <c>customers c</c>. Every value is a
/// parameter, never text in the SQL, so rule values cannot inject anything. "Days ago" is measured
/// from one <c>now</c> so a count and its sample agree.
/// </summary>
public sealed class SegmentSql
{
    private readonly List<NpgsqlParameter> _parameters = [];
    private readonly DateTimeOffset _now;

    private SegmentSql(DateTimeOffset now) => _now = now;

    public string Condition { get; private set; } = "TRUE";

    public IReadOnlyList<NpgsqlParameter> Parameters => _parameters;

    public static SegmentSql Compile(RuleGroup group, DateTimeOffset now)
    {
        var sql = new SegmentSql(now);
        var builder = new StringBuilder();
        sql.AppendGroup(group, builder);
        sql.Condition = builder.ToString();
        return sql;
    }

    /// <summary>Copies of the parameters, for a second command (a parameter belongs to one command).</summary>
    public IEnumerable<NpgsqlParameter> CloneParameters() => _parameters.Select(p => p.Clone());

    private void AppendGroup(RuleGroup group, StringBuilder sql)
    {
        if (group.Rules.Count == 0)
        {
            sql.Append("TRUE");
            return;
        }

        sql.Append('(');
        for (var i = 0; i < group.Rules.Count; i++)
        {
            if (i > 0)
            {
                sql.Append(group.Combinator == Combinator.And ? " AND " : " OR ");
            }

            switch (group.Rules[i])
            {
                case RuleGroup nested:
                    AppendGroup(nested, sql);
                    break;
                case Rule rule:
                    AppendRule(rule, sql);
                    break;
            }
        }

        sql.Append(')');
    }

    private void AppendRule(Rule rule, StringBuilder sql)
    {
        switch (rule.Attribute)
        {
            case SegmentAttribute.TotalSpend:
                sql.Append($"c.total_spend {Symbol(rule.Operator)} {Add(NpgsqlDbType.Numeric, (decimal)rule.Value)}");
                break;
            case SegmentAttribute.Visit:
                // Visits are an integer column: a whole number is compared as one (no numeric cast of
                // every row, and the index applies); a fraction keeps exact numeric comparison.
                var visits = (decimal)rule.Value;
                sql.Append(decimal.IsInteger(visits) && visits <= long.MaxValue
                    ? $"c.visits {Symbol(rule.Operator)} {Add(NpgsqlDbType.Bigint, (long)visits)}"
                    : $"c.visits {Symbol(rule.Operator)} {Add(NpgsqlDbType.Numeric, visits)}");
                break;
            case SegmentAttribute.City:
                // NULL city never equals a value, and is unequal to every value.
                var city = Add(NpgsqlDbType.Text, ((string)rule.Value).ToLowerInvariant());
                sql.Append(rule.Operator == ComparisonOperator.Equal
                    ? $"lower(c.city) = {city}"
                    : $"(c.city IS NULL OR lower(c.city) <> {city})");
                break;
            case SegmentAttribute.LastOrderDate:
                AppendDaysAgo(rule.Operator, (decimal)rule.Value, sql);
                break;
        }
    }

    /// <summary>
    /// "last_order_date OP N" compares the days since the last order with N. A customer who never
    /// ordered has been waiting forever: included by &gt;, &gt;= and !=, excluded by &lt;, &lt;= and =.
    /// </summary>
    private void AppendDaysAgo(ComparisonOperator op, decimal days, StringBuilder sql)
    {
        var boundary = Add(NpgsqlDbType.TimestampTz, _now.AddDays((double)-days).UtcDateTime);
        switch (op)
        {
            case ComparisonOperator.GreaterThan:
                sql.Append($"(c.last_order_date IS NULL OR c.last_order_date < {boundary})");
                break;
            case ComparisonOperator.GreaterThanOrEqual:
                sql.Append($"(c.last_order_date IS NULL OR c.last_order_date <= {boundary})");
                break;
            case ComparisonOperator.LessThan:
                sql.Append($"c.last_order_date > {boundary}");
                break;
            case ComparisonOperator.LessThanOrEqual:
                sql.Append($"c.last_order_date >= {boundary}");
                break;
            case ComparisonOperator.Equal or ComparisonOperator.NotEqual:
                // "N days ago" is the day-long window (now - N - 1 days, now - N days].
                var dayBefore = Add(NpgsqlDbType.TimestampTz, _now.AddDays((double)(-days - 1)).UtcDateTime);
                var window = $"(c.last_order_date > {dayBefore} AND c.last_order_date <= {boundary})";
                sql.Append(op == ComparisonOperator.Equal ? window : $"(c.last_order_date IS NULL OR NOT {window})");
                break;
        }
    }

    private string Add(NpgsqlDbType type, object value)
    {
        var name = "s" + _parameters.Count.ToString(CultureInfo.InvariantCulture);
        _parameters.Add(new NpgsqlParameter(name, type) { Value = value });
        return "@" + name;
    }

    private static string Symbol(ComparisonOperator op) => op switch
    {
        ComparisonOperator.GreaterThan => ">",
        ComparisonOperator.LessThan => "<",
        ComparisonOperator.Equal => "=",
        ComparisonOperator.GreaterThanOrEqual => ">=",
        ComparisonOperator.LessThanOrEqual => "<=",
        ComparisonOperator.NotEqual => "<>",
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };
}
