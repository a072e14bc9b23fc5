using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Tests.Foundation;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Tests.Pipeline;

namespace MiniCrm.Tests.Faults;

/// <summary>
/// A campaign whose deliveries are larger than a Kafka message holds at F5's batching (500 per
/// message): 2,000 characters of Devanagari (three bytes each) and many placeholders. It used to fail
/// every dispatch step, and because dispatch goes oldest first, it blocked every campaign after it.
/// </summary>
[Collection(TerminalCollection.Name)]
public sealed class LargeMessageTests(OwnSystem own)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly object Everyone = new { combinator = "AND", rules = Array.Empty<object>() };

    [Fact]
    public async Task A_campaign_of_the_longest_non_latin_messages_completes_and_does_not_block_the_next_one()
    {
        var system = await own.SystemAsync();
        using var api = system.Api();
        const string unit = "नमस्ते {{name}}, आपका ईमेल {{email}} है। ";
        var template = string.Concat(Enumerable.Repeat(unit, 2_000 / unit.Length));
        Assert.InRange(template.Length, 1_900, 2_000);

        var large = await CampaignTests.LaunchAsync(api, "The longest messages", Everyone, template);
        var next = await CampaignTests.LaunchAsync(api, "After the longest", Everyone, "Hi {{name}}");

        var nextDone = await CampaignTests.WaitForCompletionAsync(api, next.Id, TimeSpan.FromMinutes(4));
        var largeDone = await CampaignTests.WaitForCompletionAsync(api, large.Id, TimeSpan.FromMinutes(4));
        await CampaignTests.AssertExactAsync(system, largeDone);
        await CampaignTests.AssertExactAsync(system, nextDone);
        Assert.True(largeDone.AudienceSize >= 1_500);

        // Every message went out whole: the log's text is the template rendered, at its full length.
        var shortest = await system.ScalarAsync<int>($"SELECT min(length(personalized_msg)) FROM communication_logs WHERE campaign_id = '{large.Id}'");
        Assert.True(shortest > template.Length, $"the shortest rendered message has {shortest} characters");
        var log = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{large.Id}/log?limit=5", Json);
        Assert.All(log.GetProperty("items").EnumerateArray(), row => Assert.StartsWith("नमस्ते ", row.GetProperty("message").GetString()));
    }
}
