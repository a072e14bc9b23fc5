using Microsoft.Extensions.DependencyInjection;

namespace MiniCrm.Core.Ai;

public static class AiServiceExtensions
{
    /// <summary>The CRM's AI (<see cref="CrmAssistant"/>), its provider from <c>AI:*</c>, checked at start.</summary>
    public static IServiceCollection AddCrmAssistant(this IServiceCollection services)
    {
        // Semantic Kernel's own spans for chat completions (gen_ai.* with model and token usage); prompts and answers stay out of them.
        AppContext.SetSwitch("Microsoft.SemanticKernel.Experimental.GenAI.EnableOTelDiagnostics", true);
        services.AddOptions<AiOptions>().BindConfiguration(AiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CrmAssistant>();
        return services;
    }
}
