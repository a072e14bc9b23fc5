using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace MiniCrm.Bench;

/// <summary>The scenarios of issue 5, each next to its floor measured on the same PostgreSQL in the same run.</summary>
public sealed class Scenarios(BenchSystem system, BenchOptions options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] Cities = ["Mumbai", "Delhi", "Bengaluru", "Hyderabad", "Ahmedabad", "Chennai", "Kolkata", "Pune", "Jaipur", "Lucknow", "Kanpur", "Nagpur", "Indore", "Bhopal", "Surat", "Kochi"];

    private readonly BenchResults _results = new();

    public async Task<BenchResults> RunAsync()
    {
        _results.Machine(Environment.ProcessorCount, MemoryGiB(), await system.ScalarAsync<string>("SHOW server_version"), options.Full);
        if (options.ImportOnly)
        {
            await ImportAsync();
            return _results;
        }

        if (options.JourneyOnly)
        {
            // The journey scenarios and the floor alone, on customers ingested through the pipeline first.
            await IngestionAsync();
            await QuietAsync();
            if (Environment.GetEnvironmentVariable("BENCH_PGSS") is not null)
            {
                await system.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()");
            }

            await JourneyAsync();
            if (Environment.GetEnvironmentVariable("BENCH_PGSS") is not null)
            {
                await using var pg = new NpgsqlConnection(system.DatabaseConnectionString);
                await pg.OpenAsync();
                await using var top = new NpgsqlCommand("SELECT round(total_exec_time)::bigint, calls, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 300) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25", pg);
                await using var r = await top.ExecuteReaderAsync();
                while (await r.ReadAsync())
                {
                    Console.WriteLine($"PGSS {r.GetInt64(0)} ms {r.GetInt64(1)} calls {r.GetInt64(2)} rows | {r.GetString(3)}");
                }
            }

            await QuietAsync();
            await JourneyFloorAsync();
            await QuietAsync();
            await JourneyOrdersAsync();
            return _results;
        }

        // Each scenario and each floor starts from a quiet database: no checkpoint or autovacuum
        // left over from the one before, so neither side of a ratio pays for the other's work.
        await IngestionAsync();
        await QuietAsync();
        await IngestionFloorAsync();
        await QuietAsync();
        await OrdersAsync();
        await QuietAsync();
        await PreviewAsync("preview", options.Previews);
        await QuietAsync();
        await CampaignAsync();
        await QuietAsync();
        // Smart sending (on by default) leaves out whoever a campaign wrote to in its window: the same previews
        // again, now that the whole table got a message, show what that costs a marketer's count.
        await PreviewAsync("preview_after_campaign", Math.Max(10, options.Previews / 4));
        await QuietAsync();
        await CampaignFloorAsync();
        await QuietAsync();
        await AttributionAsync();
        await QuietAsync();
        await JourneyAsync();
        await QuietAsync();
        await JourneyFloorAsync();
        await QuietAsync();
        await JourneyOrdersAsync();
        await QuietAsync();
        await ImportAsync();
        return _results;
    }

    /// <summary>
    /// A CSV of as many customers as the ingestion scenario, generated while it uploads (no file on disk),
    /// imported to the end: seconds, rows a second, and the Api's peak working set while it ran (VmHWM,
    /// reset first), which must not grow with the file.
    /// </summary>
    private async Task ImportAsync()
    {
        var rows = options.Customers;
        Console.WriteLine($"import: a CSV of {rows:N0} customers through POST /api/imports/customers");
        var api = BenchSystem.ProcessIdOf("MiniCrm.Api");
        if (api is { } pid)
        {
            await File.WriteAllTextAsync($"/proc/{pid}/clear_refs", "5"); // resets the peak resident set
        }

        var before = await system.ScalarAsync<long>("SELECT count(*) FROM customers");
        var clock = Stopwatch.StartNew();
        using var http = system.Api();
        http.Timeout = TimeSpan.FromMinutes(30);
        using var content = new CsvContent(rows);
        using var upload = await http.PostAsync("/api/imports/customers", content);
        upload.EnsureSuccessStatusCode();
        var uploaded = clock.Elapsed.TotalSeconds;
        var id = (await upload.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
        JsonElement status = default;
        await UntilAsync(async () =>
        {
            status = await http.GetFromJsonAsync<JsonElement>($"/api/imports/{id}", Json);
            return status.GetProperty("status").GetString() is "COMPLETED" or "FAILED";
        }, "the import to finish");
        var accepted = status.GetProperty("accepted").GetInt64();
        await UntilAsync(async () => await system.ScalarAsync<long>("SELECT count(*) FROM customers") >= before + accepted, "the imported customers in the table");
        var seconds = clock.Elapsed.TotalSeconds;
        _results.Set("import", "rows", rows);
        _results.Set("import", "accepted", accepted);
        _results.Set("import", "rejected", status.GetProperty("rejected").GetInt64());
        _results.Set("import", "bytes", status.GetProperty("bytes").GetInt64());
        _results.Set("import", "upload_s", uploaded);
        _results.Set("import", "seconds", seconds);
        _results.Set("import", "rows_per_s", rows / seconds);
        if (api is { } p && File.ReadAllLines($"/proc/{p}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) is { } peak)
        {
            _results.Set("import", "api_peak_working_set_mib", long.Parse(peak.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0);
        }

        // Exact: every bad line is listed in the download, every good one stored.
        var listed = (await http.GetStringAsync($"/api/imports/{id}/rejected")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
        _results.Set("import", "rejected_rows_listed", listed);
        _results.Set("import", "exact", accepted == rows - CsvContent.BadRows(rows) && listed == CsvContent.BadRows(rows) ? 1 : 0);
    }

    /// <summary>name,email,phone,city lines, written as the request body is sent; one line in 10,000 has a bad email.</summary>
    private sealed class CsvContent : HttpContent
    {
        private const long BadEvery = 10_000;

        private readonly long _rows;

        public static long BadRows(long rows) => rows / BadEvery;

        public CsvContent(long rows)
        {
            _rows = rows;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 64 * 1024, leaveOpen: true);
            await writer.WriteAsync("name,email,phone,city\n");
            for (long i = 0; i < _rows; i++)
            {
                var email = i % BadEvery == BadEvery - 1 ? $"imported.{i}-at-bench.test" : $"imported.{i}@bench.test";
                await writer.WriteAsync($"\"Imported, Customer {i}\",{email},,{Cities[i % Cities.Length]}\n");
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    private async Task IngestionAsync()
    {
        Console.WriteLine($"ingestion: {options.Customers:N0} customers through Ingest → Api → Kafka → Workers → PostgreSQL");
        await SeedScenarioAsync("ingestion", "customers", options.Customers, 0, "customersAccepted");
    }

    /// <summary>Seeds through Ingest until every accepted row is in <paramref name="table"/>: rows, seconds, rate and CPU.</summary>
    private async Task SeedScenarioAsync(string section, string table, long customers, long orders, string acceptedField)
    {
        var before = await system.ScalarAsync<long>($"SELECT count(*) FROM {table}");
        var cpu = CpuMeter.Snapshot();
        var clock = Stopwatch.StartNew();
        var accepted = await SeedAsync(customers, orders, s => s.GetProperty(acceptedField).GetInt64());
        await UntilAsync(async () => await system.ScalarAsync<long>($"SELECT count(*) FROM {table}") >= before + accepted, $"{table} in the table");
        var seconds = clock.Elapsed.TotalSeconds;
        _results.Set(section, "rows", accepted);
        _results.Set(section, "seconds", seconds);
        _results.Set(section, "rows_per_s", accepted / seconds);
        _results.SetCpu(section, CpuMeter.Since(cpu));
    }

    /// <summary>
    /// The very rows the pipeline ingested, in the order they landed, written with binary COPY into a
    /// table with the customers table's indexes and constraints. They are read out first (raw COPY
    /// data, held in memory), so only the write is timed.
    /// </summary>
    private async Task IngestionFloorAsync()
    {
        Console.WriteLine("ingestion floor: the ingested rows again, by COPY into a scratch table with the customers table's indexes");
        await system.ExecuteAsync("DROP TABLE IF EXISTS bench_customers; CREATE TABLE bench_customers (LIKE customers INCLUDING ALL)");
        await using var connection = new NpgsqlConnection(system.DatabaseConnectionString);
        await connection.OpenAsync();
        using var rows = new MemoryStream();
        await using (var export = await connection.BeginRawBinaryCopyAsync(
            "COPY (SELECT id, name, email, phone, city, created_at FROM customers) TO STDOUT (FORMAT BINARY)"))
        {
            await export.CopyToAsync(rows);
        }

        var count = await system.ScalarAsync<long>("SELECT count(*) FROM customers");
        rows.Position = 0;
        var clock = Stopwatch.StartNew();
        await using (var import = await connection.BeginRawBinaryCopyAsync(
            "COPY bench_customers (id, name, email, phone, city, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            await rows.CopyToAsync(import);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await system.ExecuteAsync("DROP TABLE bench_customers");
        _results.Set("ingestion", "floor_rows", count);
        _results.Set("ingestion", "floor_seconds", seconds);
        _results.Set("ingestion", "floor_rows_per_s", count / seconds);
        _results.Set("ingestion", "ratio", (count / seconds) / _results.Get("ingestion", "rows_per_s"));
    }

    private async Task OrdersAsync()
    {
        if (options.Orders == 0)
        {
            return;
        }

        Console.WriteLine($"orders: {options.Orders:N0} orders with their items and aggregate updates");
        await SeedScenarioAsync("orders", "orders", 0, options.Orders, "ordersAccepted");
    }

    private async Task PreviewAsync(string section, int queries)
    {
        var customers = await system.ScalarAsync<long>("SELECT count(*) FROM customers");
        Console.WriteLine($"{section}: {queries} varied rule groups over {customers:N0} customers, smart sending on");
        using var api = system.Api();
        var random = new Random(42);
        for (var i = 0; i < 5; i++)
        {
            (await api.PostAsJsonAsync("/api/segments/preview", RandomGroup(random, 1))).EnsureSuccessStatusCode(); // warm-up
        }

        var latencies = new List<double>();
        for (var i = 0; i < queries; i++)
        {
            var group = RandomGroup(random, 1);
            var clock = Stopwatch.StartNew();
            using var response = await api.PostAsJsonAsync("/api/segments/preview", group);
            await response.Content.ReadAsByteArrayAsync();
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            response.EnsureSuccessStatusCode();
        }

        latencies.Sort();
        _results.Set(section, "queries", latencies.Count);
        _results.Set(section, "customers", customers);
        _results.Set(section, "p50_ms", Percentile(latencies, 0.50));
        _results.Set(section, "p95_ms", Percentile(latencies, 0.95));
        _results.Set(section, "max_ms", latencies[^1]);
    }

    private async Task CampaignAsync()
    {
        var audience = await system.ScalarAsync<long>("SELECT count(*) FROM customers");
        Console.WriteLine($"campaign: {audience:N0} customers from POST to COMPLETED with every receipt applied");
        var api = BenchSystem.ProcessIdOf("MiniCrm.Api");
        var workers = BenchSystem.ProcessIdOf("MiniCrm.Workers");
        ResetPeak(api);
        ResetPeak(workers);

        using var http = system.Api();
        var cpu = CpuMeter.Snapshot();
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsJsonAsync("/api/campaigns", new
        {
            name = "Benchmark",
            rules = new { combinator = "AND", rules = Array.Empty<object>() },
            message = "Hi {{name}}, a little something for our friends in {{city}}.",
        });
        var launch = clock.Elapsed.TotalSeconds;
        response.EnsureSuccessStatusCode();
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();

        long peakApi = 0, peakWorkers = 0;
        string status;
        do
        {
            await Task.Delay(250);
            peakApi = Math.Max(peakApi, PeakKiB(api));
            peakWorkers = Math.Max(peakWorkers, PeakKiB(workers));
            status = (await http.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}", Json)).GetProperty("status").GetString()!;
        }
        while (status != "COMPLETED" && clock.Elapsed < TimeSpan.FromHours(1));

        var total = clock.Elapsed.TotalSeconds;
        _results.SetCpu("campaign", CpuMeter.Since(cpu));
        var phase = async (string sql) => await system.ScalarAsync<double>($"SELECT extract(epoch FROM {sql})::float8 FROM campaigns WHERE id = '{id}'");
        _results.Set("campaign", "audience", await system.ScalarAsync<int>($"SELECT audience_size FROM campaigns WHERE id = '{id}'"));
        _results.Set("campaign", "sent", await system.ScalarAsync<int>($"SELECT sent_count FROM campaigns WHERE id = '{id}'"));
        _results.Set("campaign", "failed", await system.ScalarAsync<int>($"SELECT failed_count FROM campaigns WHERE id = '{id}'"));
        _results.Set("campaign", "launch_s", launch);
        _results.Set("campaign", "total_s", total);
        _results.SetPhase("launch", launch);
        _results.SetPhase("prepare", await phase("prepared_at - created_at"));
        _results.SetPhase("dispatch", await phase("dispatched_at - prepared_at"));
        _results.SetPhase("delivery_and_receipts", await phase("completed_at - dispatched_at"));
        _results.Set("memory", "api_mb", Math.Max(peakApi, PeakKiB(api)) / 1024.0);
        _results.Set("memory", "workers_mb", Math.Max(peakWorkers, PeakKiB(workers)) / 1024.0);
    }

    /// <summary>The same log rows written by one INSERT ... SELECT and settled by one UPDATE, on a table like communication_logs.</summary>
    private async Task CampaignFloorAsync()
    {
        Console.WriteLine("campaign floor: INSERT ... SELECT of the log rows, then one UPDATE of all of them");
        await system.ExecuteAsync("DROP TABLE IF EXISTS bench_log; CREATE TABLE bench_log (LIKE communication_logs INCLUDING ALL)");
        var clock = Stopwatch.StartNew();
        await system.ExecuteAsync($$$"""
            INSERT INTO bench_log (campaign_id, customer_id, customer_name, email, phone, personalized_msg, status, created_at)
            SELECT '{{{Guid.NewGuid()}}}', c.id, c.name, c.email, c.phone,
                   replace(replace('Hi {{name}}, a little something for our friends in {{city}}.', '{{name}}', c.name), '{{city}}', coalesce(c.city, '')),
                   'PENDING', now()
            FROM customers c
            """);
        var insert = clock.Elapsed.TotalSeconds;
        clock.Restart();
        await system.ExecuteAsync("UPDATE bench_log SET status = 'SENT', delivered_at = now()");
        var update = clock.Elapsed.TotalSeconds;
        await system.ExecuteAsync("DROP TABLE bench_log");
        _results.Set("campaign", "floor_insert_s", insert);
        _results.Set("campaign", "floor_update_s", update);
        _results.Set("campaign", "floor_s", insert + update);
        _results.Set("campaign", "ratio", _results.Get("campaign", "total_s") / (insert + update));
    }

    /// <summary>
    /// What a campaign earned, kept as orders arrive: the same number of orders twice, placed now by the stored customers,
    /// first with no campaign live (every window moved into the past: nothing to attribute), then after a campaign to
    /// everyone with a 10% control group. Order throughput with attribution against without, the seconds from the last
    /// order stored until the attribution queue is empty and the results are final for those orders, and whether the
    /// results equal a count in SQL.
    /// </summary>
    private async Task AttributionAsync()
    {
        if (options.Orders == 0)
        {
            return;
        }

        Console.WriteLine($"attribution: {options.Orders:N0} orders with no campaign live, then a campaign to everyone with 10% held out, then {options.Orders:N0} orders again");
        await system.ExecuteAsync("UPDATE campaigns SET completed_at = completed_at - interval '200 days', last_receipt_at = last_receipt_at - interval '200 days' WHERE completed_at IS NOT NULL");
        await QuietAsync();
        var without = await OrdersPlacedNowAsync();
        _results.Set("attribution", "orders_without_per_s", without.Rows / without.Seconds);

        using var http = system.Api();
        using var response = await http.PostAsJsonAsync("/api/campaigns", new
        {
            name = "Attribution benchmark", rules = new { combinator = "AND", rules = Array.Empty<object>() }, smartSending = false, holdoutPercent = 10,
            message = "Hi {{name}}, something new for {{city}}.",
        });
        response.EnsureSuccessStatusCode();
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
        await UntilAsync(async () => (await http.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}", Json)).GetProperty("status").GetString() == "COMPLETED", "the attribution campaign to complete");
        await QuietAsync();

        var with = await OrdersPlacedNowAsync();
        var clock = Stopwatch.StartNew();
        while (await system.ScalarAsync<long>("SELECT count(*) FROM attribution_queue") > 0 && clock.Elapsed < TimeSpan.FromMinutes(30))
        {
            await Task.Delay(50);
        }

        var caughtUp = clock.Elapsed.TotalSeconds;
        var results = await http.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}/results", Json);
        var counted = await system.ScalarAsync<long>(
            $"SELECT count(DISTINCT l.customer_id) FROM communication_logs l JOIN orders o ON o.customer_id = l.customer_id AND o.status = 'COMPLETED' " +
            $"AND o.order_date > l.delivered_at AND o.order_date <= l.delivered_at + interval '7 days' WHERE l.campaign_id = '{id}' AND l.status = 'SENT'");
        _results.Set("attribution", "campaign_customers", await system.ScalarAsync<int>($"SELECT audience_size + held_out_count FROM campaigns WHERE id = '{id}'"));
        _results.Set("attribution", "held_out", await system.ScalarAsync<int>($"SELECT held_out_count FROM campaigns WHERE id = '{id}'"));
        _results.Set("attribution", "orders", with.Rows);
        _results.Set("attribution", "orders_with_per_s", with.Rows / with.Seconds);
        _results.Set("attribution", "throughput_ratio", (with.Rows / with.Seconds) / (without.Rows / without.Seconds));
        _results.Set("attribution", "final_after_last_order_s", caughtUp);
        _results.Set("attribution", "conversions", results.GetProperty("messaged").GetProperty("conversions").GetInt64());
        _results.Set("attribution", "held_out_conversions", results.GetProperty("heldOut").GetProperty("conversions").GetInt64());
        _results.Set("attribution", "exact", results.GetProperty("messaged").GetProperty("conversions").GetInt64() == counted ? 1 : 0);
    }

    /// <summary>
    /// A journey that starts with everyone (AUDIENCE_NOW) and waits a second, then messages each customer: from the
    /// activation, the seconds until everyone has entered (enrolments a second), until every customer has run both steps
    /// (step executions a second: the wait's end and the send, whose messages are then written), and until the last
    /// receipt; with the Workers' peak memory. The ratio is the seconds to run every step against the floor
    /// (<see cref="JourneyFloorAsync"/>).
    /// </summary>
    private async Task JourneyAsync()
    {
        var customers = await system.ScalarAsync<long>("SELECT count(*) FROM customers");
        Console.WriteLine($"journey: {customers:N0} customers enter at once (everyone), wait 1 s, then a message each");
        var workers = BenchSystem.ProcessIdOf("MiniCrm.Workers");
        ResetPeak(workers);
        using var http = system.Api();
        var id = await StartJourneyAsync(http, "Journey benchmark", new
        {
            trigger = new { kind = "AUDIENCE_NOW", rules = new { combinator = "AND", rules = Array.Empty<object>() } },
            steps = new object[] { new { type = "WAIT", amount = 1, unit = "SECONDS" }, new { type = "SEND", message = "Hi {{name}}, a little something for {{city}}." } },
        });
        var cpu = CpuMeter.Snapshot();
        var clock = Stopwatch.StartNew();
        long peak = 0;
        double entered = 0, stepped = 0;
        while (clock.Elapsed < TimeSpan.FromHours(1))
        {
            await Task.Delay(100);
            peak = Math.Max(peak, PeakKiB(workers));
            if (entered == 0 && await system.ScalarAsync<bool>($"SELECT seeded_at IS NOT NULL FROM journeys WHERE id = '{id}'"))
            {
                entered = clock.Elapsed.TotalSeconds;
            }

            if (entered > 0 && stepped == 0 && !await system.ScalarAsync<bool>($"SELECT EXISTS (SELECT 1 FROM journey_enrolments WHERE journey_id = '{id}' AND exited_at IS NULL)"))
            {
                stepped = clock.Elapsed.TotalSeconds;
                _results.SetCpu("journey_steps", CpuMeter.Since(cpu));
            }

            if (stepped > 0 && await system.ScalarAsync<long>($"SELECT count(*) FROM campaigns WHERE journey_id = '{id}' AND status <> 'COMPLETED'") == 0)
            {
                break;
            }
        }

        var receipts = clock.Elapsed.TotalSeconds;
        _results.SetCpu("journey", CpuMeter.Since(cpu));
        var enrolments = await system.ScalarAsync<long>($"SELECT count(*) FROM journey_enrolments WHERE journey_id = '{id}'");
        var messages = await system.ScalarAsync<long>($"SELECT count(*) FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id WHERE c.journey_id = '{id}'");
        _results.Set("journey", "enrolments", enrolments);
        _results.Set("journey", "messages", messages);
        _results.Set("journey", "campaigns", await system.ScalarAsync<long>($"SELECT count(*) FROM campaigns WHERE journey_id = '{id}'"));
        _results.Set("journey", "enrolled_s", entered);
        _results.Set("journey", "enrolments_per_s", enrolments / entered);
        _results.Set("journey", "steps_done_s", stepped);
        _results.Set("journey", "step_executions_per_s", 2 * enrolments / Math.Max(0.001, stepped - entered - 1)); // the wait itself is a second
        _results.Set("journey", "last_receipt_s", receipts);
        _results.Set("journey", "exact", enrolments == customers && messages == customers ? 1 : 0);
        _results.Set("memory", "workers_journey_mb", Math.Max(peak, PeakKiB(workers)) / 1024.0);
        await http.PostAsync($"/api/journeys/{id}/stop", null);
    }

    /// <summary>The floor: the same enrolment rows written by one INSERT ... SELECT into a table like journey_enrolments.</summary>
    private async Task JourneyFloorAsync()
    {
        Console.WriteLine("journey floor: the enrolment rows by one INSERT ... SELECT");
        await system.ExecuteAsync("DROP TABLE IF EXISTS bench_enrolments; CREATE TABLE bench_enrolments (LIKE journey_enrolments INCLUDING ALL) WITH (fillfactor = 80)");
        var clock = Stopwatch.StartNew();
        await system.ExecuteAsync($"""
            INSERT INTO bench_enrolments (journey_id, customer_id, version, step, due_at, entered_at)
            SELECT '{Guid.NewGuid()}', c.id, 1, '1', now() + interval '1 second', now() FROM customers c
            """);
        var floor = clock.Elapsed.TotalSeconds;
        await system.ExecuteAsync("DROP TABLE bench_enrolments");
        _results.Set("journey", "floor_s", floor);
        _results.Set("journey", "ratio", (_results.Get("journey", "steps_done_s") - 1) / floor); // less the journey's own one-second wait
    }

    /// <summary>
    /// Entries that arrive through the pipeline: a journey started by any order (a thank-you), then as many orders as the
    /// orders scenario (at most 100,000) placed now: the seconds from the first order until every customer who ordered
    /// has entered and been messaged, and entries a second.
    /// </summary>
    private async Task JourneyOrdersAsync()
    {
        var orders = Math.Min(100_000, options.Orders);
        if (orders == 0)
        {
            return;
        }

        Console.WriteLine($"journey by orders: {orders:N0} orders placed now, each customer's order starts a thank-you journey");
        using var http = system.Api();
        var id = await StartJourneyAsync(http, "Thank-you benchmark", new { trigger = new { kind = "ORDER_PLACED" }, steps = new object[] { new { type = "SEND", message = "Thank you, {{first_name}}!" } } });
        var before = await system.ScalarAsync<long>("SELECT count(*) FROM orders");
        var since = await system.ScalarAsync<DateTime>("SELECT now()");
        var clock = Stopwatch.StartNew();
        var accepted = await SeedAsync(0, orders, s => s.GetProperty("ordersAccepted").GetInt64(), placedNow: true);
        await UntilAsync(async () => await system.ScalarAsync<long>("SELECT count(*) FROM orders") >= before + accepted, "the orders stored");
        var stored = clock.Elapsed.TotalSeconds;
        var buyers = await system.ScalarAsync<long>($"SELECT count(DISTINCT customer_id) FROM orders WHERE created_at >= '{since:O}'");
        await UntilAsync(async () => await system.ScalarAsync<long>($"SELECT count(*) FROM journey_enrolments WHERE journey_id = '{id}' AND exit_reason = 'COMPLETED'") >= buyers,
            "every customer who ordered through the journey");
        var done = clock.Elapsed.TotalSeconds;
        _results.Set("journey_orders", "orders", accepted);
        _results.Set("journey_orders", "entries", buyers);
        _results.Set("journey_orders", "orders_stored_s", stored);
        _results.Set("journey_orders", "all_messaged_s", done);
        _results.Set("journey_orders", "entries_per_s", buyers / done);
        _results.Set("journey_orders", "messaged_after_last_order_s", done - stored);
        _results.Set("journey_orders", "exact", await system.ScalarAsync<long>($"SELECT count(*) FROM journey_enrolments WHERE journey_id = '{id}'") == buyers ? 1 : 0);
        await http.PostAsync($"/api/journeys/{id}/stop", null);
    }

    private static async Task<Guid> StartJourneyAsync(HttpClient http, string name, object definition)
    {
        using var created = await http.PostAsJsonAsync("/api/journeys", new { name = $"{name} {DateTime.UtcNow:HHmmss}", definition });
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("journey").GetProperty("id").GetGuid();
        (await http.PostAsync($"/api/journeys/{id}/activate", null)).EnsureSuccessStatusCode();
        return id;
    }

    /// <summary>options.Orders orders placed now by stored customers, through Ingest, until all are in the table.</summary>
    private async Task<(long Rows, double Seconds)> OrdersPlacedNowAsync()
    {
        var before = await system.ScalarAsync<long>("SELECT count(*) FROM orders");
        var clock = Stopwatch.StartNew();
        var accepted = await SeedAsync(0, options.Orders, s => s.GetProperty("ordersAccepted").GetInt64(), placedNow: true);
        while (await system.ScalarAsync<long>("SELECT count(*) FROM orders") < before + accepted)
        {
            await Task.Delay(50);
        }

        return (accepted, clock.Elapsed.TotalSeconds);
    }

    private async Task<long> SeedAsync(long customers, long orders, Func<JsonElement, long> accepted, bool placedNow = false)
    {
        using var ingest = system.Ingest();
        (await ingest.PostAsync($"/seed?customers={customers}&orders={orders}{(placedNow ? "&placedNow=true" : "")}", null)).EnsureSuccessStatusCode();
        JsonElement status;
        var lastPrint = Stopwatch.StartNew();
        do
        {
            await Task.Delay(500);
            status = await ingest.GetFromJsonAsync<JsonElement>("/status", Json);
            if (lastPrint.Elapsed > TimeSpan.FromSeconds(10))
            {
                Console.WriteLine($"  {status.GetProperty("customersAccepted").GetInt64():N0} customers, {status.GetProperty("ordersAccepted").GetInt64():N0} orders accepted, throttled {status.GetProperty("throttled").GetInt64()}x");
                lastPrint.Restart();
            }
        }
        while (!status.GetProperty("finished").GetBoolean());

        if (status.GetProperty("error").GetString() is { } error)
        {
            throw new InvalidOperationException("Ingest failed: " + error);
        }

        return accepted(status);
    }

    /// <summary>A checkpoint and a vacuum, then no autovacuum worker left running.</summary>
    private async Task QuietAsync()
    {
        await system.ExecuteAsync("CHECKPOINT");
        await system.ExecuteAsync("VACUUM (ANALYZE)");
        await UntilAsync(async () => await system.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'") == 0, "autovacuum to finish");
        await system.ExecuteAsync("CHECKPOINT");
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }

            await Task.Delay(250);
        }
    }

    private static JsonObject RandomGroup(Random random, int depth)
    {
        var rules = new JsonArray();
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            if (depth < 3 && random.NextDouble() < 0.25)
            {
                rules.Add(RandomGroup(random, depth + 1));
                continue;
            }

            string[] numeric = [">", "<", ">=", "<=", "=", "!="];
            rules.Add(random.Next(4) switch
            {
                0 => new JsonObject { ["attribute"] = "total_spend", ["operator"] = numeric[random.Next(numeric.Length)], ["value"] = random.Next(0, 100_000) },
                1 => new JsonObject { ["attribute"] = "visit", ["operator"] = numeric[random.Next(numeric.Length)], ["value"] = random.Next(0, 12) },
                2 => new JsonObject { ["attribute"] = "city", ["operator"] = random.Next(4) == 0 ? "!=" : "=", ["value"] = Cities[random.Next(Cities.Length)] },
                _ => new JsonObject { ["attribute"] = "last_order_date", ["operator"] = numeric[random.Next(numeric.Length)], ["value"] = random.Next(0, 400) },
            });
        }

        return new JsonObject { ["combinator"] = random.Next(2) == 0 ? "AND" : "OR", ["rules"] = rules };
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static double MemoryGiB() =>
        File.ReadLines("/proc/meminfo").Where(l => l.StartsWith("MemTotal:")).Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0 / 1024.0).FirstOrDefault();

    /// <summary>Peak resident set (VmHWM) of a process since it started or since <see cref="ResetPeak"/>.</summary>
    private static long PeakKiB(int? pid)
    {
        if (pid is null)
        {
            return 0;
        }

        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:"));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Writing 5 to clear_refs resets the peak resident set, so the campaign's peak is its own.</summary>
    private static void ResetPeak(int? pid)
    {
        if (pid is not null)
        {
            try
            {
                File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            }
            catch (IOException)
            {
            }
        }
    }
}
