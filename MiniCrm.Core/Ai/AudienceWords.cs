using System.Globalization;
using System.Text.RegularExpressions;
using MiniCrm.Core.Segments;

namespace MiniCrm.Core.Ai;

/// <summary>A rule group read from plain words, and the words it could not use.</summary>
public sealed record AudienceParse(RuleGroup Rules, IReadOnlyList<string> Unused)
{
    public bool Understood => Rules.Rules.Count > 0;
}

/// <summary>
/// The offline provider's rules-from-words: a deterministic reader of the ways marketers describe an
/// audience. It finds conditions (spend, visits or orders, cities, inactivity, recent orders, never
/// ordered), joins them with AND unless the words say "or" (AND binds tighter, and "either … or …"
/// groups), and reports every word it did not use. Words that exclude ("except", "exclude", "excluding", "leave out",
/// "other than", "apart from", "but not") take everything after them out of the audience; "not" before a condition
/// turns that condition round. It never turns a word it does not know into a condition (a city before
/// "customers" must be one of the known cities), so what it cannot read is reported, not guessed. Its answer
/// goes through the same validator as a rule group a marketer builds.
/// </summary>
public static partial class AudienceWords
{
    private const string Comparator =
        @"(?<cmp>more than|over|above|greater than|exceeding|at least|no less than|minimum of|min|less than|fewer than|under|below|at most|no more than|up to|maximum of|max|exactly)";

    private const string Number = @"(?<n>\d+(?:\.\d+)?)";

    private const string Duration = @"(?<n>\d+(?:\.\d+)?|a|an|one)\s+(?<unit>day|week|month|year)s?";

    /// <summary>Words of a description that only point at the customers: never a city.</summary>
    private static readonly HashSet<string> People =
    [
        "customers", "customer", "people", "users", "shoppers", "buyers", "clients", "members", "those", "them", "ones", "everyone", "everybody",
        "anyone", "anybody", "someone", "all", "who", "whose", "that", "which", "are", "is", "were", "the",
    ];

    private static readonly HashSet<string> Keywords =
    [
        "spent", "spend", "spends", "spending", "spenders", "visit", "visits", "visited", "order", "orders", "ordered", "bought", "purchased",
        "purchases", "shopped", "times", "who", "whose", "with", "that", "and", "or", "but", "either", "not", "never", "than", "more", "less",
        "over", "under", "above", "below", "between", "last", "past", "days", "day", "weeks", "week", "months", "month", "years", "year",
        "haven't", "hasn't", "have", "has", "inactive", "since", "for", "in", "from", "the", "a", "an", "customers", "customer", "people",
        "users", "shoppers", "buyers", "are", "is", "were", "live", "lives", "living", "based", "located", "outside", "except", "excluding",
        "total", "at", "least", "most", "any", "all", "of", "to", "no", "yet", "ago", "recently", "also", "plus",
        "other", "apart", "besides", "minus", "did", "does", "do", "once", "twice", "thrice", "ever",
    ];

    /// <summary>Words that carry no condition: not reported as unused.</summary>
    private static readonly HashSet<string> Filler =
    [
        "customers", "customer", "people", "users", "shoppers", "buyers", "clients", "members", "who", "whose", "with", "that", "and", "or",
        "but", "either", "the", "a", "an", "are", "is", "were", "have", "has", "had", "all", "any", "of", "to", "show", "me", "find", "get",
        "list", "give", "those", "them", "their", "they", "everyone", "anyone", "someone", "also", "plus", "please", "our", "my", "there",
        "live", "lives", "living", "based", "located", "in", "from", "at", "&", "everybody", "anybody", "ones", "did", "does", "do", "ever",
    ];

    /// <param name="text">The description.</param>
    /// <param name="knownCities">The customers' cities, lower case: a word before "customers" is a city only if it is one of them.</param>
    public static AudienceParse Parse(string text, IReadOnlySet<string>? knownCities = null)
    {
        var normal = Normalise(text);
        var found = new List<(int Start, int End, SegmentNode Node)>();
        var taken = new bool[normal.Length];

        Find(normal, taken, found, SpendBetween(), m => Between(SegmentAttribute.TotalSpend, m));
        Find(normal, taken, found, VisitsBetween(), m => Between(SegmentAttribute.Visit, m));
        Find(normal, taken, found, SpendCompared(), m => Compare(SegmentAttribute.TotalSpend, m));
        Find(normal, taken, found, SpendComparedAfter(), m => Compare(SegmentAttribute.TotalSpend, m));
        Find(normal, taken, found, VisitsComparedBefore(), m => Compare(SegmentAttribute.Visit, m));
        Find(normal, taken, found, VisitsComparedAfter(), m => Compare(SegmentAttribute.Visit, m));
        Find(normal, taken, found, NeverOrdered(), _ => new Rule(SegmentAttribute.Visit, ComparisonOperator.Equal, 0m));
        Find(normal, taken, found, Inactive(), m => new Rule(SegmentAttribute.LastOrderDate, ComparisonOperator.GreaterThan, Days(m)));
        Find(normal, taken, found, OrderedRecently(), m => new Rule(SegmentAttribute.LastOrderDate, ComparisonOperator.LessThanOrEqual, Days(m)));
        FindCities(normal, taken, found);
        FindKnownCitiesBeforePeople(normal, taken, found, knownCities);

        found.Sort((a, b) => a.Start.CompareTo(b.Start));
        var rules = Scope(normal, taken, found);
        return new AudienceParse(rules, Unused(normal, taken));
    }

    /// <summary>
    /// What the negating words do. "not" (or n't) right before a condition, with at most a helping word between
    /// ("did not spend over 500"), turns that condition round. An excluding word ("except", "excluding", "other
    /// than", "apart from", "but not") takes every condition after it out: the audience is what came before it
    /// (everyone, if nothing did) and not what comes after. A negating word that reaches no condition stays unused,
    /// so it is reported rather than dropped.
    /// </summary>
    private static RuleGroup Scope(string text, bool[] taken, List<(int Start, int End, SegmentNode Node)> found)
    {
        for (var i = 0; i < found.Count; i++)
        {
            var gapStart = i == 0 ? 0 : found[i - 1].End;
            var gap = text[gapStart..found[i].Start];
            if (NotBefore().Match(gap) is { Success: true } not && !IsTaken(taken, gapStart + not.Index, gapStart + not.Index + not.Length))
            {
                Array.Fill(taken, true, gapStart + not.Index, not.Length);
                found[i] = found[i] with { Node = Negate(found[i].Node) };
            }
        }

        // An excluding word a city took ("except in Pune" is the city's "not") is that city's, not a scope.
        var excluding = ExcludingWord().Matches(text).FirstOrDefault(m => !IsTaken(taken, m.Index, m.Index + m.Length) && found.Any(f => f.Start >= m.Index));
        if (excluding is null)
        {
            return Root(Combine(text, found));
        }

        Array.Fill(taken, true, excluding.Index, excluding.Length);
        var kept = found.Where(f => f.Start < excluding.Index).ToList();
        var excluded = found.Where(f => f.Start >= excluding.Index).ToList();
        var without = Negate(Combine(text, excluded));
        return Root(kept.Count == 0 ? without : new RuleGroup(Combinator.And, [Combine(text, kept), without]));
    }

    /// <summary>The answer's top group, simplified: a group of one is its member, and a group inside one of the same kind merges into it.</summary>
    private static RuleGroup Root(SegmentNode node) => Simplify(node) switch
    {
        RuleGroup group => group,
        var rule => new RuleGroup(Combinator.And, [rule]),
    };

    private static SegmentNode Simplify(SegmentNode node) => node switch
    {
        RuleGroup { Rules.Count: 1 } single => Simplify(single.Rules[0]),
        RuleGroup group => Flatten(new RuleGroup(group.Combinator, [.. group.Rules.Select(Simplify)])),
        _ => node,
    };

    /// <summary>A condition turned round: each comparison by its opposite, and AND and OR swapped (De Morgan).</summary>
    public static SegmentNode Negate(SegmentNode node) => node switch
    {
        Rule rule => rule with
        {
            Operator = rule.Operator switch
            {
                ComparisonOperator.GreaterThan => ComparisonOperator.LessThanOrEqual,
                ComparisonOperator.LessThanOrEqual => ComparisonOperator.GreaterThan,
                ComparisonOperator.LessThan => ComparisonOperator.GreaterThanOrEqual,
                ComparisonOperator.GreaterThanOrEqual => ComparisonOperator.LessThan,
                ComparisonOperator.Equal => ComparisonOperator.NotEqual,
                _ => ComparisonOperator.Equal,
            },
        },
        RuleGroup group => Flatten(new RuleGroup(group.Combinator == Combinator.And ? Combinator.Or : Combinator.And, [.. group.Rules.Select(Negate)])),
        _ => node,
    };

    /// <summary>
    /// "mumbai customers", "new delhi shoppers", "pune or chennai buyers": known cities (any of them) right before the word
    /// for the customers. Only cities a customer lives in: an adjective ("loyal customers") is never taken for one.
    /// </summary>
    private static void FindKnownCitiesBeforePeople(string text, bool[] taken, List<(int, int, SegmentNode)> found, IReadOnlySet<string>? knownCities)
    {
        if (knownCities is null || knownCities.Count == 0)
        {
            return;
        }

        foreach (Match match in CitiesBeforePeople().Matches(text))
        {
            var group = match.Groups["words"];
            var words = Word().Matches(text[..(group.Index + group.Length)], group.Index).ToList();
            var cities = new List<string>();
            var start = group.Index + group.Length;
            var last = words.Count;
            while (last > 0)
            {
                // The longest run of words ending here that is a known city ("new delhi", not "delhi" alone).
                var first = Enumerable.Range(Math.Max(0, last - 3), last - Math.Max(0, last - 3))
                    .FirstOrDefault(f => knownCities.Contains(string.Join(' ', words[f..last].Select(w => w.Value))), -1);
                if (first < 0)
                {
                    break;
                }

                cities.Insert(0, CultureInfo.InvariantCulture.TextInfo.ToTitleCase(string.Join(' ', words[first..last].Select(w => w.Value))));
                start = words[first].Index;
                // Before it, another city only across "or", "and", a comma, a slash or an ampersand.
                if (first >= 2 && words[first - 1].Value is "or" or "and")
                {
                    last = first - 1;
                }
                else if (first >= 1 && CityListSeparator().IsMatch(text[(words[first - 1].Index + words[first - 1].Length)..start]))
                {
                    last = first;
                }
                else
                {
                    break;
                }
            }

            var end = group.Index + group.Length;
            if (cities.Count > 0 && Take(taken, start, end))
            {
                var rules = cities.Distinct().Select(c => (SegmentNode)new Rule(SegmentAttribute.City, ComparisonOperator.Equal, c)).ToList();
                found.Add((start, end, rules.Count == 1 ? rules[0] : new RuleGroup(Combinator.Or, rules)));
            }
        }
    }

    private static bool IsTaken(bool[] taken, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (taken[i])
            {
                return true;
            }
        }

        return false;
    }

    private static readonly Dictionary<string, string> NumberWords = new()
    {
        ["zero"] = "0", ["one"] = "1", ["two"] = "2", ["three"] = "3", ["four"] = "4", ["five"] = "5", ["six"] = "6", ["seven"] = "7",
        ["eight"] = "8", ["nine"] = "9", ["ten"] = "10", ["eleven"] = "11", ["twelve"] = "12", ["fifteen"] = "15", ["twenty"] = "20",
        ["thirty"] = "30", ["forty"] = "40", ["fifty"] = "50", ["sixty"] = "60", ["ninety"] = "90",
        ["once"] = "1 times", ["twice"] = "2 times", ["thrice"] = "3 times",
    };

    /// <summary>Lower case; currency signs gone; "5,000", "10k", "1.5 lakh", "2 thousand", "two", "twice" as plain numbers.</summary>
    private static string Normalise(string text)
    {
        var s = text.ToLowerInvariant().Replace('’', '\'').Replace("₹", " ").Replace("$", " ").Replace("€", " ").Replace("£", " ");
        s = CurrencyWords().Replace(s, " ");
        s = NonPrefix().Replace(s, "not in "); // "non-mumbai customers" are those not in Mumbai
        s = NumberWord().Replace(s, m => NumberWords[m.Value]);
        s = DigitGroups().Replace(s, "$1$2");
        s = ScaledNumber().Replace(s, m =>
        {
            var value = decimal.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            var scale = m.Groups["scale"].Value switch
            {
                "hundred" => 100m,
                "k" or "thousand" => 1_000m,
                "lakh" or "lakhs" or "lac" or "lacs" => 100_000m,
                "crore" or "crores" or "cr" => 10_000_000m,
                "m" or "million" => 1_000_000m,
                _ => 1m,
            };
            return (value * scale).ToString("0.##", CultureInfo.InvariantCulture);
        });
        return Spaces().Replace(s, " ").Trim();
    }

    private static void Find(string text, bool[] taken, List<(int, int, SegmentNode)> found, Regex pattern, Func<Match, SegmentNode> node)
    {
        foreach (Match match in pattern.Matches(text))
        {
            if (!Take(taken, match.Index, match.Index + match.Length))
            {
                continue;
            }

            found.Add((match.Index, match.Index + match.Length, node(match)));
        }
    }

    /// <summary>"in pune, mumbai or delhi" is one condition of three cities (any of them); "not in delhi or mumbai" is none of them.</summary>
    private static void FindCities(string text, bool[] taken, List<(int, int, SegmentNode)> found)
    {
        foreach (Match match in CityStart().Matches(text))
        {
            var negated = match.Groups["neg"].Success;
            var position = match.Index + match.Length;
            var cities = new List<string>();
            var end = position;
            while (ReadCity(text, ref position) is { } city)
            {
                cities.Add(city);
                end = position;
                var next = CityContinuation().Match(text, position);
                if (!next.Success || next.Index != position)
                {
                    break;
                }

                position = next.Index + next.Length;
            }

            if (cities.Count == 0 || !Take(taken, match.Index, end))
            {
                continue;
            }

            var op = negated ? ComparisonOperator.NotEqual : ComparisonOperator.Equal;
            var rules = cities.Distinct().Select(c => (SegmentNode)new Rule(SegmentAttribute.City, op, c)).ToList();
            found.Add((match.Index, end, rules.Count == 1 ? rules[0] : new RuleGroup(negated ? Combinator.And : Combinator.Or, rules)));
        }
    }

    /// <summary>One to three words that are not keywords nor numbers, title-cased: "new delhi" is New Delhi.</summary>
    private static string? ReadCity(string text, ref int position)
    {
        var words = new List<string>();
        var at = position;
        while (words.Count < 3)
        {
            var word = Word().Match(text, at);
            if (!word.Success || word.Index != at + (at < text.Length && text[at] == ' ' ? 1 : 0) || Keywords.Contains(word.Value) || People.Contains(word.Value) ||
                char.IsDigit(word.Value[0]))
            {
                break;
            }

            words.Add(word.Value);
            at = word.Index + word.Length;
        }

        if (words.Count == 0)
        {
            return null;
        }

        position = at;
        return CultureInfo.InvariantCulture.TextInfo.ToTitleCase(string.Join(' ', words));
    }

    /// <summary>AND binds tighter than OR; "either A or B" is one operand; the words between two conditions say which.</summary>
    private static RuleGroup Combine(string text, List<(int Start, int End, SegmentNode Node)> found)
    {
        if (found.Count == 0)
        {
            return RuleGroup.Everyone;
        }

        string Between(int i) => text[(i == 0 ? 0 : found[i - 1].End)..found[i].Start];
        bool IsOr(int i) => i > 0 && OrWord().IsMatch(Between(i));

        var operands = new List<(bool Or, SegmentNode Node)>();
        for (var i = 0; i < found.Count; i++)
        {
            if (EitherWord().IsMatch(Between(i)))
            {
                var either = new List<SegmentNode> { found[i].Node };
                var connector = IsOr(i);
                while (i + 1 < found.Count && IsOr(i + 1))
                {
                    either.Add(found[++i].Node);
                }

                operands.Add((connector, either.Count == 1 ? either[0] : Flatten(new RuleGroup(Combinator.Or, either))));
                continue;
            }

            operands.Add((IsOr(i), found[i].Node));
        }

        var alternatives = new List<List<SegmentNode>> { new() };
        foreach (var (or, node) in operands)
        {
            if (or && alternatives[^1].Count > 0)
            {
                alternatives.Add([]);
            }

            alternatives[^1].Add(node);
        }

        if (alternatives.Count == 1)
        {
            var only = alternatives[0];
            return only is [RuleGroup group] ? group : Flatten(new RuleGroup(Combinator.And, only));
        }

        return Flatten(new RuleGroup(Combinator.Or, [.. alternatives.Select(a => a.Count == 1 ? a[0] : Flatten(new RuleGroup(Combinator.And, a)))]));
    }

    /// <summary>A group inside a group of the same combinator is merged into it.</summary>
    private static RuleGroup Flatten(RuleGroup group) => new(group.Combinator,
        [.. group.Rules.SelectMany(r => r is RuleGroup inner && inner.Combinator == group.Combinator ? inner.Rules : [r])]);

    private static SegmentNode Compare(SegmentAttribute attribute, Match match)
    {
        var n = decimal.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        var op = match.Groups["cmp"].Value switch
        {
            "more than" or "over" or "above" or "greater than" or "exceeding" => ComparisonOperator.GreaterThan,
            "at least" or "no less than" or "minimum of" or "min" => ComparisonOperator.GreaterThanOrEqual,
            "less than" or "fewer than" or "under" or "below" => ComparisonOperator.LessThan,
            "at most" or "no more than" or "up to" or "maximum of" or "max" => ComparisonOperator.LessThanOrEqual,
            _ => ComparisonOperator.Equal,
        };
        return new Rule(attribute, op, n);
    }

    private static SegmentNode Between(SegmentAttribute attribute, Match match)
    {
        var a = decimal.Parse(match.Groups["a"].Value, CultureInfo.InvariantCulture);
        var b = decimal.Parse(match.Groups["b"].Value, CultureInfo.InvariantCulture);
        return new RuleGroup(Combinator.And,
        [
            new Rule(attribute, ComparisonOperator.GreaterThanOrEqual, Math.Min(a, b)),
            new Rule(attribute, ComparisonOperator.LessThanOrEqual, Math.Max(a, b)),
        ]);
    }

    private static decimal Days(Match match)
    {
        var n = match.Groups["n"].Value is "a" or "an" or "one" ? 1m : decimal.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        return Math.Round(n * match.Groups["unit"].Value switch { "week" => 7, "month" => 30, "year" => 365, _ => 1 });
    }

    private static bool Take(bool[] taken, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (taken[i])
            {
                return false;
            }
        }

        Array.Fill(taken, true, start, end - start);
        return true;
    }

    private static List<string> Unused(string text, bool[] taken)
    {
        var unused = new List<string>();
        foreach (Match word in AnyWord().Matches(text))
        {
            if (!taken[word.Index] && !Filler.Contains(word.Value) && !unused.Contains(word.Value))
            {
                unused.Add(word.Value);
            }
        }

        return unused;
    }

    [GeneratedRegex(@"\b(?:rs\.?|inr|rupees?|dollars?|usd)(?=\s|\d|$)")]
    private static partial Regex CurrencyWords();

    [GeneratedRegex(@"(\d),(\d)")]
    private static partial Regex DigitGroups();

    [GeneratedRegex(@"(?<n>\d+(?:\.\d+)?)\s*(?<scale>k|hundred|thousand|lakhs?|lacs?|crores?|cr|m|million)\b")]
    private static partial Regex ScaledNumber();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"\bnon-\s*(?=[a-z])")]
    private static partial Regex NonPrefix();

    [GeneratedRegex(@"\b(?:total\s+)?(?:spen[dt]|spends|spending)\s+(?:of\s+|is\s+|was\s+)?between\s+(?<a>\d+(?:\.\d+)?)\s+(?:and|to)\s+(?<b>\d+(?:\.\d+)?)")]
    private static partial Regex SpendBetween();

    [GeneratedRegex(@"(?:\bbetween\s+(?<a>\d+)\s+(?:and|to)\s+(?<b>\d+)\s+(?:visits|orders|purchases|times)|\b(?:visits|orders|visited|ordered)\s+between\s+(?<a>\d+)\s+(?:and|to)\s+(?<b>\d+)(?:\s+times)?)")]
    private static partial Regex VisitsBetween();

    [GeneratedRegex(@"\b(?:total\s+)?(?:spen[dt]|spends|spending|purchases worth|bought|paid)\s+(?:of\s+|is\s+|was\s+|a total of\s+)?" + Comparator + @"\s+" + Number + @"(?!\s*(?:visits?|orders?|times|purchases))")]
    private static partial Regex SpendCompared();

    [GeneratedRegex(Comparator + @"\s+" + Number + @"\s+(?:in\s+)?(?:total\s+)?(?:spend|spent|spending|in purchases|worth of purchases)")]
    private static partial Regex SpendComparedAfter();

    [GeneratedRegex(@"\b(?:visit|visited|order|ordered|bought|purchased|shopped|came)\s+" + Comparator + @"\s+" + Number + @"\s+times\b|\b" + Comparator + @"\s+" + Number + @"\s+(?:visits?|orders?|purchases|times)\b")]
    private static partial Regex VisitsComparedBefore();

    [GeneratedRegex(@"\b(?:visits?|orders?|visit count|order count)\s+(?:of\s+|is\s+)?" + Comparator + @"\s+" + Number + @"\b")]
    private static partial Regex VisitsComparedAfter();

    [GeneratedRegex(@"\b(?:never\s+(?:ordered|bought|purchased|shopped|visited)(?:\s+anything)?|no orders(?:\s+ever)?(?!\s+(?:in|for))|without\s+(?:any\s+)?orders|(?:haven't|have not|hasn't|has not)\s+ordered\s+yet)\b")]
    private static partial Regex NeverOrdered();

    [GeneratedRegex(@"\b(?:(?:haven't|have not|hasn't|has not|didn't|did not|not)\s+(?:ordered|bought|purchased|shopped|visited)(?:\s+anything)?\s+(?:for|in|since)\s+(?:over\s+|more than\s+)?(?:the\s+)?(?:last\s+|past\s+)?|(?:inactive|dormant|lapsed|quiet)\s+(?:for\s+)?(?:over\s+|more than\s+)?(?:the\s+)?(?:last\s+|past\s+)?|no\s+(?:orders?|purchases)\s+(?:in|for)\s+(?:the\s+)?(?:last\s+|past\s+)?|last\s+ordered\s+(?:more than\s+|over\s+)?)" + Duration + @"(?:\s+ago)?")]
    private static partial Regex Inactive();

    [GeneratedRegex(@"\b(?:ordered|bought|purchased|shopped|active|visited)(?:\s+something|\s+anything)?\s+(?:in|within|during)\s+(?:the\s+)?(?:last|past)\s+" + Duration)]
    private static partial Regex OrderedRecently();

    [GeneratedRegex(@"(?:(?<neg>\bnot\s+(?:in|from)|\boutside(?:\s+of)?|\b(?:except(?:\s+for)?|exclud(?:e|es|ing)|leav(?:e|ing)\s+out|other\s+than|apart\s+from|but\s+not)(?:\s+(?:those|customers|people|anyone|ones))?(?:\s+(?:who\s+)?(?:are\s+|live\s+|living\s+|based\s+)?(?:in|from))?)|\b(?:lives?\s+in|living\s+in|based\s+in|located\s+in|in|from))(?=\s)")]
    private static partial Regex CityStart();

    /// <summary>Words after which everything named is left out of the audience.</summary>
    [GeneratedRegex(@"\b(?:except(?:\s+for)?|exclud(?:e|es|ing)|leav(?:e|ing)\s+out|other\s+than|apart\s+from|but\s+not|minus)\b")]
    private static partial Regex ExcludingWord();

    /// <summary>
    /// "not" right before a condition, the last words of a gap: "did not", "have not", "didn't" (the whole word), "who are
    /// not", with the verb of a condition that names its own measure after it ("did not visit more than 2 times").
    /// </summary>
    [GeneratedRegex(@"(?:\b(?:(?:did|do|does|have|has|had|are|is|was|were|will)\s+)?not|\b[a-z]+n't)(?:\s+(?:ever|yet|been|be))?(?:\s+(?:visit(?:ed|s)?|come|came|shop(?:ped)?|buy|bought|order(?:ed)?))?\s*$")]
    private static partial Regex NotBefore();

    [GeneratedRegex(@"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|once|twice|thrice)\b")]
    private static partial Regex NumberWord();

    /// <summary>Up to eight words (with commas, slashes or ampersands between them) right before a word for the customers.</summary>
    [GeneratedRegex(@"(?<words>\b[a-z][a-z'.\-]*(?:(?:\s*[,/&]\s*|\s+)[a-z][a-z'.\-]*){0,7})\s+(?:customers|shoppers|buyers|people|users|clients|members)\b")]
    private static partial Regex CitiesBeforePeople();

    [GeneratedRegex(@"^\s*[,/&]\s*$")]
    private static partial Regex CityListSeparator();

    [GeneratedRegex(@"\s*(?:,|\band\b|\bor\b|&|/)\s*(?:(?:in|from)\s+)?")]
    private static partial Regex CityContinuation();

    [GeneratedRegex(@"[a-z][a-z'.\-]*")]
    private static partial Regex Word();

    [GeneratedRegex(@"[a-z0-9][a-z0-9'.\-]*|&")]
    private static partial Regex AnyWord();

    [GeneratedRegex(@"\bor\b")]
    private static partial Regex OrWord();

    [GeneratedRegex(@"\beither\b")]
    private static partial Regex EitherWord();
}
