using System.Text.RegularExpressions;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Segments;

namespace MiniCrm.Core.Ai;

/// <summary>
/// The offline provider's message suggestions: a library of templates for the occasions marketers
/// write for (festivals, win-back, thank-you, new arrivals, discounts), chosen by the words of the
/// campaign's name and objective, with the discount's number taken from the objective. Every
/// suggestion, whoever wrote it, passes <see cref="Keep"/>: only the allowed placeholders survive.
/// </summary>
public static partial class MessageSuggestions
{
    public const int Count = 3;

    private sealed record Occasion(string Name, Regex Words, string[] Templates);

    private static readonly Occasion[] Occasions =
    [
        new("festival", FestivalWords(),
        [
            "Happy {festival}, {{name}}! Celebrate with something special from us, picked for you in {{city}}.",
            "{{name}}, this {festival} let us add to the joy: our festive collection is here, {discount_or_gift}.",
            "Wishing you and your family a wonderful {festival}, {{name}}. Your festive favourites are waiting.",
        ]),
        new("win-back", WinBackWords(),
        [
            "We miss you, {{name}}! It has been a while. Come back and see what is new, {discount_or_gift}.",
            "{{name}}, your favourites are still here. Drop by again; we would love to see you.",
            "Hi {{name}}, it has been too long! Here is a reason to return: {discount_or_gift}.",
        ]),
        new("thank-you", ThankYouWords(),
        [
            "Thank you, {{name}}, for being with us. Customers like you in {{city}} are why we do this.",
            "{{name}}, a big thank you for your loyalty. Here is a small gift from us: {discount_or_gift}.",
            "We appreciate you, {{name}}! Thank you for every visit; there is more to come.",
        ]),
        new("new arrivals", NewArrivalWords(),
        [
            "{{name}}, new arrivals just landed! Be the first in {{city}} to see them.",
            "Fresh in, {{name}}: our new collection is here and we saved you a first look.",
            "Hi {{name}}, something new is waiting for you. Come and explore the latest arrivals.",
        ]),
        new("discount", DiscountWords(),
        [
            "Hi {{name}}, enjoy {discount} on your next order with us. Treat yourself before the offer ends!",
            "{{name}}, a little something for you: {discount} on everything, for our customers in {{city}}.",
            "Good news, {{name}}! Take {discount} today. We have picked favourites we think you will love.",
        ]),
    ];

    private static readonly string[] General =
    [
        "Hi {{name}}, we have something for you! Visit us soon and see what is new.",
        "{{name}}, thank you for shopping with us. Here is what is new this week in {{city}}.",
        "Hello {{name}}! We picked a few things we think you will like. Come take a look.",
    ];

    /// <summary>Exactly <see cref="Count"/> templates for a campaign, from the occasion its words name.</summary>
    public static IReadOnlyList<string> Suggest(string name, string? objective)
    {
        var words = $"{name} {objective}".ToLowerInvariant();
        var occasion = Occasions.FirstOrDefault(o => o.Words.IsMatch(words));
        var discount = PercentOff().Match(words) is { Success: true } percent ? $"{percent.Groups["n"].Value}% off" : null;
        var festival = FestivalWords().Match(words) is { Success: true } f ? Festive(f.Value) : "festive season";
        var templates = occasion?.Templates ?? General;
        if (occasion?.Name == "discount" && discount is null)
        {
            discount = "a special discount";
        }

        return [.. templates.Take(Count).Select(t => t
            .Replace("{discount}", discount ?? "a special discount")
            .Replace("{discount_or_gift}", discount is null ? "with a little surprise" : $"with {discount}")
            .Replace("{festival}", festival))];
    }

    /// <summary>
    /// A suggestion from any provider, kept only if it is a valid template of the allowed placeholders;
    /// a known placeholder written loosely ({{ Name }}) is repaired, an unknown one drops the suggestion.
    /// </summary>
    public static string? Keep(string? suggestion)
    {
        if (string.IsNullOrWhiteSpace(suggestion))
        {
            return null;
        }

        var repaired = LoosePlaceholder().Replace(suggestion.Trim(), m => "{{" + m.Groups["p"].Value.ToLowerInvariant() + "}}");
        var errors = new List<FieldError>();
        return MessageTemplate.Parse(repaired, errors) is { } template && errors.Count == 0 ? template.Text : null;
    }

    private static string Festive(string word) => word switch
    {
        "diwali" or "deepavali" => "Diwali",
        "holi" => "Holi",
        "eid" => "Eid",
        "christmas" or "xmas" => "Christmas",
        "new year" => "New Year",
        "pongal" => "Pongal",
        "onam" => "Onam",
        "navratri" => "Navratri",
        _ => "festive season",
    };

    [GeneratedRegex(@"\b(?:\d+\s*%|\d+\s+percent|discount|sale|offer|off)\b|%")]
    private static partial Regex DiscountWords();

    [GeneratedRegex(@"(?<n>\d{1,2})\s*(?:%|percent)")]
    private static partial Regex PercentOff();

    [GeneratedRegex(@"\b(?:diwali|deepavali|holi|eid|christmas|xmas|new year|pongal|onam|navratri|festival|festive)\b")]
    private static partial Regex FestivalWords();

    [GeneratedRegex(@"\b(?:win[- ]?back|miss(?:ed)? you|come back|inactive|lapsed|dormant|return|re-?engage)\b")]
    private static partial Regex WinBackWords();

    [GeneratedRegex(@"\b(?:thank(?:s| you)?|loyal(?:ty)?|appreciat\w*|grateful)\b")]
    private static partial Regex ThankYouWords();

    [GeneratedRegex(@"\b(?:new arrivals?|new collection|just in|launch\w*|latest|new range|new season)\b")]
    private static partial Regex NewArrivalWords();

    [GeneratedRegex(@"\{\{\s*(?<p>name|email|city|phone)\s*\}\}", RegexOptions.IgnoreCase)]
    private static partial Regex LoosePlaceholder();
}
