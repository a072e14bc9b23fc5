using System.ComponentModel.DataAnnotations;
using MiniCrm.Core.Ai;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class AiOptionsTests
{
    [Theory]
    [InlineData(null, null, null, null)]
    [InlineData("", null, null, null)]
    [InlineData("offline", null, null, null)]
    [InlineData("openai", "gpt-4o-mini", null, "sk-test")]
    [InlineData("OpenAI", "gpt-4o-mini", "https://proxy.example.com/v1", "sk-test")]
    [InlineData("azure-openai", "crm-gpt4o", "https://crm.openai.azure.com/", "key")]
    [InlineData("AzureOpenAI", "crm-gpt4o", "https://crm.openai.azure.com/", "key")]
    [InlineData("openai-compatible", "llama3.1", "http://localhost:11434/v1", null)]
    public void Settings_a_provider_can_run_with_are_accepted(string? provider, string? model, string? endpoint, string? key) =>
        Assert.Empty(Problems(new AiOptions { Provider = provider!, Model = model, Endpoint = endpoint, ApiKey = key }));

    [Theory]
    [InlineData("gpt", "gpt-4o", null, "k", "AI:Provider 'gpt'")]
    [InlineData("openai", null, null, "k", "AI:Model is required")]
    [InlineData("openai", "gpt-4o-mini", null, null, "AI:ApiKey is required")]
    [InlineData("azure-openai", "crm-gpt4o", null, "key", "AI:Endpoint is required")]
    [InlineData("openai-compatible", "llama3.1", null, null, "AI:Endpoint is required")]
    [InlineData("openai-compatible", "llama3.1", "localhost:11434", null, "absolute http or https")]
    [InlineData("openai-compatible", "llama3.1", "ftp://models.example.com", null, "absolute http or https")]
    public void Settings_a_provider_cannot_run_with_are_refused_naming_the_setting(string provider, string? model, string? endpoint, string? key, string expected) =>
        Assert.Contains(Problems(new AiOptions { Provider = provider, Model = model, Endpoint = endpoint, ApiKey = key }), p => p.Contains(expected, StringComparison.Ordinal));

    [Fact]
    public void Every_prompt_file_is_embedded_and_names_the_json_it_wants()
    {
        foreach (var job in new[] { AiPrompts.Intent, AiPrompts.Summary, AiPrompts.Messages, AiPrompts.Rules })
        {
            Assert.Contains("JSON only", AiPrompts.Source(job));
        }
    }

    private static List<string> Problems(AiOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage!)];
    }
}
