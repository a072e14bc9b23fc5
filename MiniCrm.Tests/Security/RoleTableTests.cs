using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Security;

/// <summary>
/// Who may call what, as the README's table says: every operation of the API that needs a signed-in user is a row of the
/// table and every row is an operation; each is called as an Admin, a Marketer and an Analyst; a role the table refuses
/// gets 403 naming the role needed (and the request changes nothing: it is refused before it reads its record), a role it
/// allows gets anything but 403 (a 400 or 404 for the made-up record here, never a 5xx).
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class RoleTableTests(AppHostFixture fixture)
{
    private static readonly string[] Roles = ["Admin", "Marketer", "Analyst"];

    /// <summary>
    /// What each call carries besides a made-up id: a body every operation can read but not act on (a draft's name it
    /// cannot store, no fields for the rest), and downloads filtered to nothing.
    /// </summary>
    private static readonly Dictionary<string, string> Bodies = new()
    {
        ["POST /api/campaigns/drafts"] = """{"name":"\u0001"}""",
        ["PUT /api/campaigns/drafts/{id}"] = """{"name":"\u0001"}""",
    };

    private static readonly Dictionary<string, string> Queries = new()
    {
        ["GET /api/orders.csv"] = $"?customerId={Guid.NewGuid()}",
        ["GET /api/audit.csv"] = "?record=none",
    };

    [Fact]
    public async Task Every_operation_answers_each_role_as_the_readme_table_says()
    {
        var table = ReadmeTable();
        Assert.True(table.Count > 40, $"the README's role table has {table.Count} rows");

        using var ops = fixture.WithOpsKey("api");
        var endpoints = await ops.GetFromJsonAsync<MappedEndpoint[]>("/ops/endpoints", new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var operations = endpoints!
            .Where(e => e.Access.StartsWith("policy:", StringComparison.Ordinal) && e.Pattern.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => e.Methods.Select(m => $"{m} {Normalize(e.Pattern)}"))
            .ToHashSet();
        Assert.Empty(operations.Except(table.Keys)); // an operation the README does not list
        Assert.Empty(table.Keys.Except(operations)); // a row of the README that is no operation

        var answers = new List<string>();
        foreach (var role in Roles)
        {
            using var api = await fixture.ApiAsAsync(role);
            foreach (var (operation, allowed) in table.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                var (status, body) = await CallAsync(api, operation);
                var mayCall = allowed[Array.IndexOf(Roles, role)];
                if (mayCall ? status is HttpStatusCode.Forbidden || (int)status >= 500 : status != HttpStatusCode.Forbidden)
                {
                    answers.Add($"{role} {operation}: {(int)status} {body[..Math.Min(body.Length, 200)]}");
                }
                else if (!mayCall)
                {
                    var needed = allowed[1] ? "Marketer" : "Admin";
                    using var problem = JsonDocument.Parse(body);
                    Assert.Equal(needed.ToUpperInvariant(), problem.RootElement.GetProperty("neededRole").GetString());
                    Assert.Contains($"needs the {needed} role", problem.RootElement.GetProperty("detail").GetString());
                    Assert.Contains($"this account is {(role == "Marketer" ? "a" : "an")} {role}", problem.RootElement.GetProperty("detail").GetString());
                }
            }
        }

        Assert.True(answers.Count == 0, "answered otherwise than the README's table says:\n" + string.Join("\n", answers));
    }

    [Fact]
    public async Task A_refused_operation_changes_nothing_and_is_not_audited()
    {
        var campaign = await fixture.ScalarAsync<Guid?>("SELECT id FROM campaigns WHERE status = 'COMPLETED' ORDER BY created_at LIMIT 1");
        var customer = await fixture.ScalarAsync<Guid>("SELECT id FROM customers WHERE unsubscribed_at IS NULL ORDER BY created_at LIMIT 1");
        using var analyst = await fixture.ApiAsAsync("Analyst");
        var me = await analyst.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal("ANALYST", me.GetProperty("role").GetString());

        using var unsubscribe = await analyst.PostAsync($"/api/customers/{customer}/unsubscribe", null);
        Assert.Equal(HttpStatusCode.Forbidden, unsubscribe.StatusCode);
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE id = '{customer}' AND unsubscribed_at IS NOT NULL"));
        if (campaign is { } id)
        {
            using var log = await analyst.GetAsync($"/api/campaigns/{id}/log.csv");
            Assert.Equal(HttpStatusCode.Forbidden, log.StatusCode);
            Assert.DoesNotContain("text/csv", log.Content.Headers.ContentType?.ToString() ?? "");
        }

        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM audit_events WHERE user_id = '{me.GetProperty("id").GetString()}' AND action <> 'user.sign_in'"));
    }

    private static async Task<(HttpStatusCode Status, string Body)> CallAsync(HttpClient api, string operation)
    {
        var method = operation[..operation.IndexOf(' ')];
        var path = operation[(method.Length + 1)..].Replace("{id}", operation.Contains("/api/team/") ? "user_nobody" : Guid.NewGuid().ToString());
        using var request = new HttpRequestMessage(new HttpMethod(method), path + Queries.GetValueOrDefault(operation, ""));
        if (method is "POST" or "PUT")
        {
            request.Content = operation.StartsWith("POST /api/imports/", StringComparison.Ordinal)
                ? new StringContent("not,a,header\n", Encoding.UTF8, "text/csv") // a file an import refuses by its header
                : new StringContent(Bodies.GetValueOrDefault(operation, "{}"), Encoding.UTF8, "application/json");
        }

        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = response.Content.Headers.ContentType?.MediaType == "text/csv" ? "(csv)" : await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body);
    }

    /// <summary>The README's table: each operation with whether Admin, Marketer and Analyst may call it.</summary>
    private static Dictionary<string, bool[]> ReadmeTable()
    {
        var readme = File.ReadAllText(Path.Combine(TerminalAppHost.RepositoryRoot, "README.md"));
        return TableRow().Matches(readme).ToDictionary(
            m => m.Groups["operation"].Value,
            m => new[] { m.Groups["admin"].Value == "✓", m.Groups["marketer"].Value == "✓", m.Groups["analyst"].Value == "✓" });
    }

    /// <summary>A route as the README writes it: no constraints, no trailing slash.</summary>
    private static string Normalize(string pattern) => Constraint().Replace(pattern, "{$1}").TrimEnd('/');

    [GeneratedRegex(@"^\| `(?<operation>(GET|POST|PUT|DELETE|PATCH) /api/[^`]+)` \| (?<admin>✓|—) \| (?<marketer>✓|—) \| (?<analyst>✓|—) \|$", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"\{(\w+):[^}]+\}")]
    private static partial Regex Constraint();
}
