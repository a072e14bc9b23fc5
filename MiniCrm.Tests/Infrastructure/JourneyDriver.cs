using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MiniCrm.Tests.Infrastructure;

/// <summary>Journeys as a client drives them (create, activate, pause, resume, stop) and what they sent, read in SQL.</summary>
public static class JourneyDriver
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static object Send(string message, string? label = null) => new { type = "SEND", message, label };

    public static object Wait(int amount, string unit = "SECONDS") => new { type = "WAIT", amount, unit };

    public static object CityRules(string city, params object[] more) =>
        new { combinator = "AND", rules = new object[] { new { attribute = "city", @operator = "=", value = city } }.Concat(more).ToArray() };

    /// <summary>Creates and (unless told otherwise) activates a journey; answers its id.</summary>
    public static async Task<Guid> StartAsync(HttpClient api, string name, object definition, bool activate = true)
    {
        using var created = await api.PostAsJsonAsync("/api/journeys", new { name, definition });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"creating journey {name}: {(int)created.StatusCode} {body}");
        var id = JsonDocument.Parse(body).RootElement.GetProperty("journey").GetProperty("id").GetGuid();
        if (activate)
        {
            await ActAsync(api, id, "activate");
        }

        return id;
    }

    /// <summary>activate, pause, resume or stop; answers the journey as the Api returns it.</summary>
    public static async Task<JsonElement> ActAsync(HttpClient api, Guid journey, string action, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await api.PostAsync($"/api/journeys/{journey}/{action}", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{action} journey {journey}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<JsonElement> GetAsync(HttpClient api, Guid journey) =>
        await api.GetFromJsonAsync<JsonElement>($"/api/journeys/{journey}", Json);

    /// <summary>
    /// Stops a journey if it is not stopped yet, and makes sure it is (a test's cleanup: a journey left live would message the
    /// customers and orders of the shared system's later tests, and smart sending would then leave them out of campaigns).
    /// </summary>
    public static async Task StopQuietlyAsync(HttpClient api, Guid journey)
    {
        if (journey == Guid.Empty)
        {
            return;
        }

        using var response = await api.PostAsync($"/api/journeys/{journey}/stop", null);
        var status = (await GetAsync(api, journey)).GetProperty("journey").GetProperty("status").GetString();
        Assert.True(status == "STOPPED", $"journey {journey} is {status} after stopping it: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The journey's messages per customer (log rows of its campaigns), by step and status.</summary>
    public static Task<List<(Guid Customer, string Step, string Status, string Message)>> MessagesAsync(AppHostFixture fixture, Guid journey) =>
        fixture.ListAsync(
            $"""
            SELECT l.customer_id, c.journey_step, l.status, l.personalized_msg FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id
            WHERE c.journey_id = '{journey}' ORDER BY l.customer_id, l.created_at
            """, r => (r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3)));

    /// <summary>Each enrolment of the journey: customer, step (null once out), exit reason, entries.</summary>
    public static Task<List<(Guid Customer, string? Step, string? ExitReason, int Entries)>> EnrolmentsAsync(AppHostFixture fixture, Guid journey) =>
        fixture.ListAsync(
            $"SELECT customer_id, step, exit_reason, entries FROM journey_enrolments WHERE journey_id = '{journey}' ORDER BY customer_id",
            r => (r.GetGuid(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt32(3)));
}
