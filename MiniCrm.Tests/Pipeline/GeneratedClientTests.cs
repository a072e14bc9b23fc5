using System.Net;
using System.Reflection;
using System.Runtime.Loader;
using Aspire.Hosting.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>
/// The OpenAPI document is good enough to build a client from: Kiota (pinned in dotnet-tools.json) generates a C# client
/// from the running Api's <c>/openapi/v1.json</c>, Roslyn compiles it, and it signs in, previews an audience, launches a
/// campaign and reads it back, with the generated types and method names (from each operation's operationId and path).
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class GeneratedClientTests(AppHostFixture fixture)
{
    [Fact]
    public async Task A_client_generated_from_the_openapi_document_signs_in_previews_launches_and_reads_a_campaign_back()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 10);
        var client = await GenerateAsync();

        // Its own session: a cookie container the generated client's requests carry.
        var api = fixture.App.GetEndpoint("api", "http");
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = api };
        var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = api.ToString().TrimEnd('/') };
        dynamic crm = client.New("CrmClient", adapter);

        dynamic signIn = client.New("Models.DevelopmentSignInRequest");
        signIn.Email = $"generated.client.{Guid.NewGuid():N}@minicrm.test";
        signIn.Name = "Generated Client";
        await crm.Auth.Development.Signin.PostAsync(signIn);
        dynamic me = await crm.Api.Me.GetAsync();
        Assert.Equal((string)signIn.Email, (string)me.Email);

        dynamic everyone = client.New("Models.RuleNode");
        everyone.Combinator = "AND";
        everyone.Rules = (dynamic)client.NewList("Models.RuleNode");
        dynamic preview = await crm.Api.Segments.Preview.PostAsync(everyone);
        Assert.True((long)preview.Count > 0, "the preview counted nobody");
        Assert.Equal(await fixture.ScalarAsync<long>("SELECT count(*) FROM customers WHERE unsubscribed_at IS NOT NULL"), (long)preview.ExcludedForConsent);

        // The campaign goes to a saved audience of the customers of one city (not to everyone: the shared system's
        // other tests count on smart sending not having reached all of them).
        var city = await SavedSegmentTests.CustomersOfAsync(fixture, 1);
        var saved = await SavedSegmentTests.SendAsync(fixture.Api(), HttpMethod.Post, "/api/segments",
            new { name = $"Generated client {city}", rules = SavedSegmentTests.CityRules(city) }, HttpStatusCode.Created);
        dynamic launch = client.New("Models.CampaignLaunch");
        launch.Name = "From a generated client";
        launch.SegmentId = saved.GetProperty("id").GetGuid();
        launch.Message = "Hello {{first_name}}";
        dynamic campaign = await crm.Api.Campaigns.PostAsync(launch);
        Guid id = campaign.Id;

        dynamic read = await crm.Api.Campaigns[id].GetAsync();
        Assert.Equal(id, (Guid)read.Id);
        Assert.Equal("From a generated client", (string)read.Name);
        Assert.Equal(await fixture.ScalarAsync<int>($"SELECT audience_size FROM campaigns WHERE id = '{id}'"), (int)read.AudienceSize);
        Assert.Equal((string)signIn.Email, await fixture.ScalarAsync<string>($"SELECT u.email FROM campaigns c JOIN users u ON u.id = c.created_by WHERE c.id = '{id}'"));
    }

    /// <summary>Generates the client from the live document and compiles it into an assembly of its own.</summary>
    private async Task<GeneratedClient> GenerateAsync()
    {
        using var http = fixture.Api();
        var directory = Directory.CreateTempSubdirectory("minicrm-client-");
        try
        {
            var document = Path.Combine(directory.FullName, "openapi.json");
            await File.WriteAllTextAsync(document, await http.GetStringAsync("/openapi/v1.json"));
            var environment = new Dictionary<string, string> { ["KIOTA_TUTORIAL_ENABLED"] = "false", ["KIOTA_OFFLINE_ENABLED"] = "true" };
            var restored = await CommandLine.RunAsync("dotnet", ["tool", "restore"], TimeSpan.FromMinutes(3), TerminalAppHost.RepositoryRoot, environment);
            Assert.True(restored.ExitCode == 0, restored.Output);
            var output = Path.Combine(directory.FullName, "client");
            var generated = await CommandLine.RunAsync("dotnet",
                ["kiota", "generate", "--language", "CSharp", "--openapi", document, "--output", output, "--class-name", "CrmClient",
                 "--namespace-name", "MiniCrm.Client", "--exclude-backward-compatible", "--clean-output", "--log-level", "Warning"],
                TimeSpan.FromMinutes(3), TerminalAppHost.RepositoryRoot, environment);
            Assert.True(generated.ExitCode == 0, generated.Output);

            var sources = Directory.GetFiles(output, "*.cs", SearchOption.AllDirectories)
                .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), new CSharpParseOptions(LanguageVersion.Latest,
                    preprocessorSymbols: ["NET", "NET5_0_OR_GREATER", "NETCOREAPP", "NETCOREAPP3_1_OR_GREATER", "NETSTANDARD2_1_OR_GREATER"]), f))
                .ToList();
            Assert.True(sources.Count > 20, $"Kiota generated {sources.Count} files");
            var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => p.Length > 0).Select(p => MetadataReference.CreateFromFile(p));
            var compilation = CSharpCompilation.Create("MiniCrm.Client." + Guid.NewGuid().ToString("N"), sources, references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            using var assembly = new MemoryStream();
            var emitted = compilation.Emit(assembly);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(10)));
            assembly.Position = 0;
            return new GeneratedClient(AssemblyLoadContext.Default.LoadFromStream(assembly));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private sealed record GeneratedClient(Assembly Assembly)
    {
        private Type Type(string name) => Assembly.GetType("MiniCrm.Client." + name, throwOnError: true)!;

        public object New(string name, params object[] arguments) => Activator.CreateInstance(Type(name), arguments)!;

        public object NewList(string name) => Activator.CreateInstance(typeof(List<>).MakeGenericType(Type(name)))!;
    }
}
