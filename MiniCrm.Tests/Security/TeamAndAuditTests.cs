using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Tests.Infrastructure;
using Npgsql;

namespace MiniCrm.Tests.Security;

/// <summary>
/// The team (admins give roles; a new role or "sign out everywhere" ends the member's sessions; admins by configuration
/// and the last admin stay) and the audit trail (every change and personal-data download recorded with who, what, which
/// record, when and from where; filtered; as CSV; never rewritten).
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class TeamAndAuditTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_role_change_ends_the_members_sessions_and_is_audited()
    {
        var email = $"team.{Guid.NewGuid():N}@{AppHostFixture.AllowedDomain}";
        using var member = await fixture.ApiAsAsync("Marketer", email);
        var me = await member.GetFromJsonAsync<JsonElement>("/api/me", Json);
        Assert.Equal("MARKETER", me.GetProperty("role").GetString());
        var id = me.GetProperty("id").GetString()!;

        using var admin = await fixture.ApiAsAsync("Admin");
        using var changed = await admin.PutAsJsonAsync($"/api/team/{id}/role", new { role = "Analyst" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("ANALYST", (await changed.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("role").GetString());

        // The member's session is over (this replica forgot the stamp at once); the team lists the new role.
        using var after = await member.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var team = await admin.GetFromJsonAsync<JsonElement[]>("/api/team", Json);
        Assert.Equal("ANALYST", team!.Single(m => m.GetProperty("id").GetString() == id).GetProperty("role").GetString());
        Assert.Equal("ANALYST", await fixture.ScalarAsync<string>($"SELECT role FROM users WHERE id = '{id}'"));
        Assert.Equal("Marketer → Analyst", await fixture.ScalarAsync<string>($"SELECT detail FROM audit_events WHERE action = 'team.role' AND record_id = '{id}'"));

        // Bad requests change nothing.
        using var unknownRole = await admin.PutAsJsonAsync($"/api/team/{id}/role", new { role = "Owner" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownRole.StatusCode);
        Assert.Contains("Must be Admin, Marketer or Analyst", await unknownRole.Content.ReadAsStringAsync());
        using var nobody = await admin.PutAsJsonAsync("/api/team/user_nobody/role", new { role = "Analyst" });
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
        Assert.Equal("ANALYST", await fixture.ScalarAsync<string>($"SELECT role FROM users WHERE id = '{id}'"));
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_a_members_sessions()
    {
        using var member = await fixture.ApiAsAsync("Marketer");
        var id = (await member.GetFromJsonAsync<JsonElement>("/api/me", Json)).GetProperty("id").GetString()!;
        using var admin = await fixture.ApiAsAsync("Admin");

        using var ended = await admin.PostAsync($"/api/team/{id}/signout", null);
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        using var after = await member.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM audit_events WHERE action = 'team.sign_out' AND record_id = '{id}'"));
    }

    [Fact]
    public async Task A_removed_member_is_signed_out_cannot_sign_in_until_added_back_and_keeps_what_they_did()
    {
        var email = $"leaver.{Guid.NewGuid():N}@{AppHostFixture.AllowedDomain}";
        using var member = await fixture.ApiAsAsync("Marketer", email);
        var id = (await member.GetFromJsonAsync<JsonElement>("/api/me", Json)).GetProperty("id").GetString()!;
        using var admin = await fixture.ApiAsAsync("Admin");
        var adminId = (await admin.GetFromJsonAsync<JsonElement>("/api/me", Json)).GetProperty("id").GetString()!;

        // An analyst may not; an admin may not remove themselves.
        using (var analyst = await fixture.ApiAsAsync("Analyst"))
        using (var refused = await analyst.PostAsync($"/api/team/{id}/remove", null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var self = await admin.PostAsync($"/api/team/{adminId}/remove", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, self.StatusCode);
            Assert.Contains("cannot remove themselves", await self.Content.ReadAsStringAsync());
        }

        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM users WHERE removed_at IS NOT NULL AND id IN ('{id}', '{adminId}')"));

        using (var removed = await admin.PostAsync($"/api/team/{id}/remove", null))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
            Assert.Equal(JsonValueKind.String, (await removed.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("removedAt").ValueKind);
        }

        // Their session is over, and signing in again is refused with the reason, as is adding them as new.
        using (var after = await member.GetAsync("/api/me"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        }

        using (var anonymous = fixture.AnonymousApi())
        using (var signIn = await anonymous.PostAsJsonAsync("/auth/development/signin", new { email, name = "Leaver", role = "Marketer" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
            Assert.Contains("was removed from this CRM's team", await signIn.Content.ReadAsStringAsync());
            Assert.False(signIn.Headers.Contains("Set-Cookie"));
        }

        using (var addedAgain = await admin.PostAsJsonAsync("/api/team", new { email, role = "Admin" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, addedAgain.StatusCode);
            Assert.Contains("Add back", await addedAgain.Content.ReadAsStringAsync());
        }

        var team = await admin.GetFromJsonAsync<JsonElement[]>("/api/team", Json);
        Assert.Equal(adminId, (await fixture.ScalarAsync<string>($"SELECT removed_by FROM users WHERE id = '{id}'")));
        Assert.NotEqual(JsonValueKind.Null, team!.Single(m => m.GetProperty("id").GetString() == id).GetProperty("removedAt").ValueKind);

        // Added back: they sign in again, with the role they had.
        using (var restored = await admin.PostAsync($"/api/team/{id}/restore", null))
        {
            Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        }

        using var back = await fixture.ApiAsAsync("Marketer", email);
        var me = await back.GetFromJsonAsync<JsonElement>("/api/me", Json);
        Assert.Equal((id, "MARKETER"), (me.GetProperty("id").GetString(), me.GetProperty("role").GetString()));
        Assert.Equal(["team.remove", "team.restore"], await fixture.ListAsync(
            $"SELECT action FROM audit_events WHERE record_id = '{id}' AND action LIKE 'team.%' ORDER BY id", r => r.GetString(0)));
    }

    [Fact]
    public async Task Admins_by_configuration_stay_admins()
    {
        // Whatever role they pick, and whatever the Team page is asked.
        using var root = await fixture.ApiAsAsync("Analyst", AppHostFixture.ConfiguredAdminEmail);
        var me = await root.GetFromJsonAsync<JsonElement>("/api/me", Json);
        Assert.Equal("ADMIN", me.GetProperty("role").GetString());

        using var admin = await fixture.ApiAsAsync("Admin");
        using var demoted = await admin.PutAsJsonAsync($"/api/team/{me.GetProperty("id").GetString()}/role", new { role = "Marketer" });
        Assert.Equal(HttpStatusCode.Conflict, demoted.StatusCode);
        Assert.Contains("Authentication:Admins", await demoted.Content.ReadAsStringAsync());
        var team = await admin.GetFromJsonAsync<JsonElement[]>("/api/team", Json);
        Assert.True(team!.Single(m => m.GetProperty("email").GetString() == AppHostFixture.ConfiguredAdminEmail).GetProperty("adminByConfiguration").GetBoolean());
    }

    [Fact]
    public async Task An_admin_adds_someone_before_their_first_sign_in()
    {
        var email = $"invited.{Guid.NewGuid():N}@{AppHostFixture.AllowedDomain}";
        using var admin = await fixture.ApiAsAsync("Admin");
        using var added = await admin.PostAsJsonAsync("/api/team", new { email, role = "Marketer" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var member = await added.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.Equal("invited", member.GetProperty("signsInWith").GetString());
        Assert.Equal("MARKETER", await fixture.ScalarAsync<string>($"SELECT role FROM users WHERE email = '{email}'"));

        using var again = await admin.PostAsJsonAsync("/api/team", new { email, role = "Analyst" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var outsider = await admin.PostAsJsonAsync("/api/team", new { email = "someone@gmail.com", role = "Analyst" });
        Assert.Equal(HttpStatusCode.BadRequest, outsider.StatusCode);
        Assert.Contains("AllowedEmailDomains", await outsider.Content.ReadAsStringAsync());
        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM audit_events WHERE action = 'team.add' AND detail = '{email} as Marketer'"));
    }

    [Fact]
    public async Task Every_change_and_export_is_in_the_audit_trail_with_who_what_which_record_when_and_where()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 10);
        var email = $"audited.{Guid.NewGuid():N}@{AppHostFixture.AllowedDomain}";
        using var marketer = await fixture.ApiAsAsync("Marketer", email);
        var userId = (await marketer.GetFromJsonAsync<JsonElement>("/api/me", Json)).GetProperty("id").GetString()!;
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);

        // A scheduled campaign (nobody is messaged), moved, then cancelled; an audience saved, renamed, deleted; consent both ways; a log download.
        using var launched = await marketer.PostAsJsonAsync("/api/campaigns", new
        {
            name = "Audited", rules = new { combinator = "AND", rules = Array.Empty<object>() }, message = "Hi {{name}}",
            sendAt = DateTimeOffset.UtcNow.AddDays(30).ToString("O"),
        });
        Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
        var campaign = (await launched.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await marketer.PutAsJsonAsync($"/api/campaigns/{campaign}/schedule", new { sendAt = DateTimeOffset.UtcNow.AddDays(31).ToString("O") })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await marketer.PostAsync($"/api/campaigns/{campaign}/cancel", null)).StatusCode);
        using (var log = await marketer.GetAsync($"/api/campaigns/{campaign}/log.csv"))
        {
            Assert.Equal(HttpStatusCode.OK, log.StatusCode);
        }

        using var saved = await marketer.PostAsJsonAsync("/api/segments", new { name = "Audited audience", rules = new { combinator = "AND", rules = Array.Empty<object>() } });
        var segment = (await saved.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await marketer.PutAsJsonAsync($"/api/segments/{segment}", new { name = "Audited, renamed" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await marketer.DeleteAsync($"/api/segments/{segment}")).StatusCode);

        var customer = await fixture.ScalarAsync<Guid>("SELECT id FROM customers WHERE unsubscribed_at IS NULL ORDER BY created_at LIMIT 1");
        Assert.Equal(HttpStatusCode.NoContent, (await marketer.PostAsync($"/api/customers/{customer}/unsubscribe", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await marketer.PostAsync($"/api/customers/{customer}/resubscribe", null)).StatusCode);

        // What the trail says, by the API an admin reads, against the rows themselves.
        using var admin = await fixture.ApiAsAsync("Admin");
        var mine = await admin.GetFromJsonAsync<JsonElement>($"/api/audit?user={Uri.EscapeDataString(email)}&limit=100", Json);
        var rows = mine.GetProperty("items").EnumerateArray().Reverse().ToList();
        Assert.Equal(
            ["user.sign_in", "campaign.launch", "campaign.reschedule", "campaign.cancel", "campaign.log_export", "segment.create", "segment.update", "segment.delete",
             "customer.unsubscribe", "customer.resubscribe"],
            rows.Select(r => r.GetProperty("action").GetString()));
        Assert.All(rows, r =>
        {
            Assert.Equal(userId, r.GetProperty("userId").GetString());
            Assert.Equal(email, r.GetProperty("userEmail").GetString());
            Assert.Equal("MARKETER", r.GetProperty("role").GetString());
            Assert.False(string.IsNullOrEmpty(r.GetProperty("address").GetString()));
            Assert.InRange(r.GetProperty("at").GetDateTimeOffset(), started, DateTimeOffset.UtcNow.AddSeconds(5));
        });
        Assert.Equal(["campaign", "campaign", "campaign", "campaign"], rows.Skip(1).Take(4).Select(r => r.GetProperty("recordType").GetString()));
        Assert.All(rows.Skip(1).Take(4), r => Assert.Equal(campaign, r.GetProperty("recordId").GetString()));
        Assert.StartsWith("Audited, scheduled for ", rows[1].GetProperty("detail").GetString());
        Assert.Equal("Audited", rows[1].GetProperty("recordName").GetString()); // the campaign, by its name now
        Assert.False(rows[5].TryGetProperty("recordName", out var gone) && gone.ValueKind == JsonValueKind.String); // the audience was deleted: no name now
        Assert.StartsWith("Audited, renamed: ", rows[6].GetProperty("detail").GetString());
        Assert.All(rows.Skip(5).Take(3), r => Assert.Equal(segment, r.GetProperty("recordId").GetString()));
        Assert.All(rows.Skip(8), r => Assert.Equal(customer.ToString(), r.GetProperty("recordId").GetString()));
        Assert.Equal(rows.Count, await fixture.ScalarAsync<long>($"SELECT count(*) FROM audit_events WHERE user_id = '{userId}'"));

        // Filters: a record's history, an action's kind.
        var ofCampaign = await admin.GetFromJsonAsync<JsonElement>($"/api/audit?record={campaign}", Json);
        Assert.Equal(4, ofCampaign.GetProperty("items").GetArrayLength());
        var segmentsOnly = await admin.GetFromJsonAsync<JsonElement>($"/api/audit?user={Uri.EscapeDataString(email)}&action=segment", Json);
        Assert.All(segmentsOnly.GetProperty("items").EnumerateArray(), r => Assert.StartsWith("segment.", r.GetProperty("action").GetString()));
        Assert.Equal(3, segmentsOnly.GetProperty("items").GetArrayLength());
        using var badFilter = await admin.GetAsync("/api/audit?action=DROP TABLE");
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);

        // The CSV has the same rows, and its download is recorded too.
        var csv = await admin.GetStringAsync($"/api/audit.csv?user={Uri.EscapeDataString(email)}");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,at,user_id,user_email,role,action,record_type,record_id,address,detail", lines[0]);
        Assert.Equal(rows.Count, lines.Length - 1);
        Assert.Contains(lines, l => l.Contains(",campaign.cancel,campaign," + campaign, StringComparison.Ordinal));
        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM audit_events WHERE action = 'audit.export' AND detail LIKE '%{email}%'"));

        // Neither an analyst nor a marketer reads it.
        using var analyst = await fixture.ApiAsAsync("Analyst");
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.GetAsync("/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await marketer.GetAsync("/api/audit.csv")).StatusCode);
    }

    [Fact]
    public async Task The_audit_trail_cannot_be_rewritten()
    {
        await using var connection = new NpgsqlConnection(fixture.DatabaseConnectionString);
        await connection.OpenAsync();
        foreach (var sql in (string[])["UPDATE audit_events SET detail = 'rewritten'", "DELETE FROM audit_events"])
        {
            await using var command = new NpgsqlCommand(sql, connection);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", refused.MessageText);
        }
    }
}
