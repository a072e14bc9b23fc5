using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.EntityFrameworkCore;
using MiniCrm.Core.Infrastructure;
using MiniCrm.Tests.Infrastructure;
using Npgsql;

namespace MiniCrm.Tests.Foundation;

[Collection(AppHostCollection.Name)]
public sealed class AppHostStartupTests(AppHostFixture fixture)
{
    [Fact]
    public void Every_resource_is_running_and_healthy()
    {
        Assert.Contains(fixture.Resources, r => r.Name == "postgres");
        Assert.Contains(fixture.Resources, r => r.Name == "crmdb");
        Assert.Contains(fixture.Resources, r => r.Name == "kafka");
        foreach (var name in new[] { "api", "workers", "vendorsim", "ingest" })
        {
            Assert.Contains(fixture.Resources, r => r.Name == name);
        }

        foreach (var resource in fixture.Resources)
        {
            Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(resource.Name, out var state), resource.Name);
            Assert.Equal(KnownResourceStates.Running, state.Snapshot.State?.Text);
            Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, state.Snapshot.HealthStatus);
        }
    }

    [Fact]
    public async Task Api_serves_health_openapi_and_the_api_reference()
    {
        using var http = fixture.App.CreateHttpClient("api");

        Assert.Equal("Healthy", await http.GetStringAsync("/health"));
        var openApi = await http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"openapi\"", openApi);

        // The security schemes, and which operation takes which: a client generated from it can call them.
        var document = System.Text.Json.Nodes.JsonNode.Parse(openApi)!;
        var schemes = document["components"]!["securitySchemes"]!;
        Assert.Equal("minicrm.session", schemes["session"]!["name"]!.GetValue<string>());
        Assert.Equal("X-Api-Key", schemes["ingestionKey"]!["name"]!.GetValue<string>());
        Assert.NotNull(schemes["vendorSignature"]);
        string SchemeOf(string path, string method) => string.Join(",", document["paths"]![path]![method]!["security"]!.AsArray().SelectMany(r => r!.AsObject().Select(p => p.Key)));
        Assert.Equal("ingestionKey", SchemeOf("/api/customers", "post"));
        Assert.Equal("vendorSignature", SchemeOf("/api/receipts", "post"));
        Assert.Equal("session", SchemeOf("/api/segments/preview", "post"));
        Assert.Equal("session", SchemeOf("/api/campaigns", "post"));

        // Every operation says how it is called (anonymous ones with an empty requirement) and has an operationId, unique,
        // which generated clients name their methods from.
        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(o => o.Key is "get" or "post" or "put" or "delete" or "patch")
                .Select(o => (Name: $"{o.Key.ToUpperInvariant()} {path.Key}", Operation: o.Value!)))
            .ToList();
        Assert.True(operations.Count > 30, $"{operations.Count} operations");
        Assert.Empty(operations.Where(o => o.Operation["security"] is not System.Text.Json.Nodes.JsonArray { Count: > 0 }).Select(o => o.Name));
        Assert.Empty(operations.Where(o => string.IsNullOrEmpty(o.Operation["operationId"]?.GetValue<string>())).Select(o => o.Name));
        var ids = operations.Select(o => o.Operation["operationId"]!.GetValue<string>()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal("", SchemeOf("/auth/methods", "get"));
        Assert.Equal("ListCampaigns", document["paths"]!["/api/campaigns"]!["get"]!["operationId"]!.GetValue<string>());
        Assert.All(document["servers"]?.AsArray() ?? [], s => Assert.False(s!["url"]!.GetValue<string>().EndsWith('/'), "a server address ends in a slash"));
        var reference = await http.GetAsync("/scalar");
        Assert.True(reference.IsSuccessStatusCode, $"/scalar answered {(int)reference.StatusCode}");
        Assert.Contains("text/html", reference.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Migrations_are_applied_once_to_the_real_database()
    {
        var connectionString = await fixture.App.GetConnectionStringAsync("crmdb");
        var options = new DbContextOptionsBuilder<CrmDbContext>().UseNpgsql(connectionString);
        options.UseCrmConventions();
        await using var db = new CrmDbContext(options.Options);

        var known = db.Database.GetMigrations().ToList();
        Assert.NotEmpty(known);
        Assert.Equal(known, await db.Database.GetAppliedMigrationsAsync());
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var history = new NpgsqlCommand("SELECT count(*) FROM \"__EFMigrationsHistory\"", connection);
        Assert.Equal((long)known.Count, await history.ExecuteScalarAsync());

        await using var tables = new NpgsqlCommand(
            "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__EFMigrationsHistory'",
            connection);
        Assert.Equal("attribution_queue,audit_events,campaign_conversions,campaign_drafts,campaign_events,campaigns,communication_logs,consent_events,customer_aliases,customers,data_protection_keys,idempotency_keys,import_batches,import_chunks," +
                     "import_rejections,imports,journey_enrolments,journey_timers,journey_versions,journeys,last_campaign_messages,order_items,orders,segments,users", await tables.ExecuteScalarAsync());

        // The schema's own rules hold, not only the API's: a phone must be ten digits.
        await using var badPhone = new NpgsqlCommand(
            "INSERT INTO customers (name, email, phone, city) VALUES ('Asha', 'asha@example.com', '12345', 'Pune')",
            connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => badPhone.ExecuteNonQueryAsync());
        Assert.Equal("ck_customers_phone", error.ConstraintName);
    }
}
