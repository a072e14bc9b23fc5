using MiniCrm.Api.Application.Ingestion;
using System.Globalization;
using System.Text.Json;

namespace MiniCrm.Api.Imports;

/// <summary>
/// A batch of CSV records as the JSON API's items, and where each item came from in the file; the lines refused before
/// validation (<see cref="Unreadable"/>: a line that is not a record, and every line of an order that has one), and how
/// many customers or orders those lines were (<see cref="UnreadableItems"/>).
/// </summary>
public sealed record ImportItems(List<JsonElement> Items, List<long[]> Lines, List<(long Line, string Field, string Reason)> Unreadable, int UnreadableItems, long Records, bool End);

/// <summary>
/// The CSV formats an import takes, and their records as the JSON API's items, so they pass the one
/// validator: customers <c>name,email,phone,city</c>; orders one line per item,
/// <c>orderId,customerId|customerEmail,amount,status,orderDate,itemName,quantity,unitPrice</c>, the lines of
/// one order next to each other (its order fields taken from its first line). Columns in any order and
/// case; other columns are ignored.
/// </summary>
public sealed class ImportRows
{
    private static readonly Dictionary<ImportKind, (string[] Required, string[] Optional)> Columns = new()
    {
        [ImportKind.Customers] = (["name", "email", "city"], ["phone"]),
        [ImportKind.Orders] = (["orderId", "amount", "status", "itemName", "quantity", "unitPrice"], ["customerId", "customerEmail", "orderDate"]),
    };

    private readonly ImportKind _kind;
    private readonly Dictionary<string, int> _index;
    private readonly int _width;
    private CsvRecord? _held;

    private ImportRows(ImportKind kind, Dictionary<string, int> index, int width) => (_kind, _index, _width) = (kind, index, width);

    public static string Expected(ImportKind kind) =>
        string.Join(",", Columns[kind].Required) + (kind == ImportKind.Orders ? ", customerId or customerEmail" : "") +
        (Columns[kind].Optional.Length > 0 ? "; optional: " + string.Join(",", Columns[kind].Optional.Where(o => kind != ImportKind.Orders || o == "orderDate")) : "");

    /// <summary>The reader for a header record, or why the header will not do.</summary>
    public static (ImportRows? Rows, string? Problem) FromHeader(ImportKind kind, CsvRecord? header)
    {
        if (header is null || header.Problem is not null)
        {
            return (null, header?.Problem ?? "The file is empty: the first line must name the columns.");
        }

        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Fields.Length; i++)
        {
            index.TryAdd(header.Fields[i].Trim(), i);
        }

        var missing = Columns[kind].Required.Where(c => !index.ContainsKey(c)).ToList();
        if (kind == ImportKind.Orders && !index.ContainsKey("customerId") && !index.ContainsKey("customerEmail"))
        {
            missing.Add("customerId or customerEmail");
        }

        return missing.Count > 0
            ? (null, $"The header has no {string.Join(", ", missing)} column; expected {Expected(kind)}.")
            : (new ImportRows(kind, index, header.Fields.Length), null);
    }

    /// <summary>The next records, about <paramref name="size"/> of them (an order's lines are never split).</summary>
    public async Task<ImportItems> ReadAsync(CsvRecords csv, int size, CancellationToken ct)
    {
        var items = new List<Dictionary<string, object?>>();
        var lines = new List<List<long>>();
        var unreadable = new List<(long, string, string)>();
        // An order with an unreadable line is refused whole (what is left of it is not the order); such a line belongs to
        // the order before it when it names that order, or to the order that starts right after it, if that one is named.
        var broken = new Dictionary<int, List<long>>();
        // An order of more lines than an order may have items is refused whole too; its lines are only counted, so a file
        // whose lines all name one order costs linear work and bounded memory, however long it is.
        var oversized = new HashSet<int>();
        var loose = new List<(string? OrderId, long Line)>();
        var standalone = 0;
        long records = 0;
        while (true)
        {
            var record = _held ?? await csv.ReadAsync(ct);
            _held = null;
            if (record is null)
            {
                return Build(items, lines, unreadable, standalone + loose.Count, broken, oversized, records, end: true);
            }

            if (_kind == ImportKind.Orders && items.Count > 0 && records >= size && loose.Count == 0 && Text(record, "orderId") != (string?)items[^1]["orderId"])
            {
                _held = record; // the next batch starts with this order
                return Build(items, lines, unreadable, standalone + loose.Count, broken, oversized, records, end: false);
            }

            records++;
            if (record.Problem is not null || record.Fields.Length != _width)
            {
                unreadable.Add((record.Line, "row", record.Problem ?? $"Has {record.Fields.Length} fields; the header has {_width}."));
                var named = _kind == ImportKind.Orders ? Text(record, "orderId") : null;
                if (named is not null && items.Count > 0 && named == (string?)items[^1]["orderId"])
                {
                    Broken(broken, items.Count - 1).Add(record.Line);
                }
                else if (_kind == ImportKind.Orders)
                {
                    loose.Add((named, record.Line));
                }
                else
                {
                    standalone++;
                }
            }
            else if (_kind == ImportKind.Customers)
            {
                items.Add(new() { ["name"] = Text(record, "name"), ["email"] = Text(record, "email"), ["phone"] = Text(record, "phone"), ["city"] = Text(record, "city") });
                lines.Add([record.Line]);
            }
            else
            {
                var item = new Dictionary<string, object?> { ["name"] = Text(record, "itemName"), ["quantity"] = Number(record, "quantity"), ["unitPrice"] = Number(record, "unitPrice") };
                if (items.Count > 0 && Text(record, "orderId") is { } id && id == (string?)items[^1]["orderId"])
                {
                    var orderItems = (List<Dictionary<string, object?>>)items[^1]["items"]!;
                    if (orderItems.Count < OrderIntake.MaxItems)
                    {
                        orderItems.Add(item);
                    }
                    else
                    {
                        oversized.Add(items.Count - 1);
                    }

                    lines[^1].Add(record.Line);
                }
                else
                {
                    items.Add(new()
                    {
                        ["orderId"] = Text(record, "orderId"),
                        ["customerId"] = Text(record, "customerId"),
                        ["customerEmail"] = Text(record, "customerEmail"),
                        ["amount"] = Number(record, "amount"),
                        ["status"] = Text(record, "status"),
                        ["orderDate"] = Text(record, "orderDate"),
                        ["items"] = new List<Dictionary<string, object?>> { item },
                    });
                    lines.Add([record.Line]);
                    foreach (var line in loose.Where(l => l.OrderId is not null && l.OrderId == Text(record, "orderId")).Select(l => l.Line))
                    {
                        Broken(broken, items.Count - 1).Add(line);
                    }

                    standalone += loose.Count(l => l.OrderId is null || l.OrderId != Text(record, "orderId"));
                    loose.Clear();
                }
            }

            if (_kind == ImportKind.Customers && records >= size)
            {
                return Build(items, lines, unreadable, standalone, broken, oversized, records, end: false);
            }
        }
    }

    private static List<long> Broken(Dictionary<int, List<long>> broken, int order) =>
        broken.TryGetValue(order, out var lines) ? lines : broken[order] = [];

    /// <summary>Where a validator's field of an item is in the file: its line and its column.</summary>
    public (long Line, string Column) Locate(long[] lines, string field)
    {
        if (field.StartsWith("items[", StringComparison.Ordinal) && field.IndexOf(']') is var close and > 6 &&
            int.TryParse(field[6..close], CultureInfo.InvariantCulture, out var item) && item < lines.Length)
        {
            var column = field[(close + 1)..].TrimStart('.');
            return (lines[item], column == "name" ? "itemName" : column.Length == 0 ? "itemName" : column);
        }

        return (lines[0], field == "items" ? "itemName" : field);
    }

    private static ImportItems Build(List<Dictionary<string, object?>> items, List<List<long>> lines, List<(long, string, string)> unreadable, int standalone,
        Dictionary<int, List<long>> broken, HashSet<int> oversized, long records, bool end)
    {
        foreach (var order in oversized.Where(o => !broken.ContainsKey(o)))
        {
            var reason = $"Order {items[order]["orderId"]} has {lines[order].Count} lines; an order has at most {OrderIntake.MaxItems} items, so none of its lines were imported.";
            unreadable.AddRange(lines[order].Select(line => (line, "orderId", reason)));
        }


        // The readable lines of a broken order are refused with it, each naming the line that broke it.
        foreach (var (order, bad) in broken)
        {
            var reason = $"Order {items[order]["orderId"]} has an unreadable line ({string.Join(", ", bad.Order())}), so none of its lines were imported.";
            unreadable.AddRange(lines[order].Select(line => (line, "orderId", reason)));
        }

        var kept = Enumerable.Range(0, items.Count).Where(i => !broken.ContainsKey(i) && !oversized.Contains(i)).ToList();
        // Empty cells are left out, as a JSON client leaves out what it does not have.
        var json = JsonSerializer.SerializeToElement(kept.Select(i => items[i].Where(kv => kv.Value is not null).ToDictionary()));
        return new ImportItems([.. json.EnumerateArray()], [.. kept.Select(i => lines[i].ToArray())], unreadable,
            standalone + broken.Count + oversized.Count(o => !broken.ContainsKey(o)), records, end);
    }

    private string? Text(CsvRecord record, string column) =>
        _index.TryGetValue(column, out var i) && i < record.Fields.Length && record.Fields[i].Trim() is { Length: > 0 } value ? value : null;

    /// <summary>A number as a number; anything else as the text it is, for the validator to refuse with its own words.</summary>
    private object? Number(CsvRecord record, string column) =>
        Text(record, column) is not { } text ? null
        : decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n
        : text;
}
