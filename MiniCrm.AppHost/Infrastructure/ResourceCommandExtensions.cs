using Microsoft.Extensions.DependencyInjection;

namespace MiniCrm.AppHost.Infrastructure;

internal static class ResourceCommandExtensions
{
    /// <summary>
    /// The dashboard's Stop and Start for infrastructure the AppHost runs itself (Aspire adds them
    /// only to the resources its orchestrator runs). They use Aspire's own command names, so tests and
    /// tools call them as they call a service's: <see cref="KnownResourceCommands.StopCommand"/>.
    /// </summary>
    public static IResourceBuilder<T> WithStopStartCommands<T, TRunner>(
        this IResourceBuilder<T> builder,
        Func<TRunner, Task<ExecuteCommandResult>> stop,
        Func<TRunner, Task<ExecuteCommandResult>> start,
        string stopDescription,
        string startDescription)
        where T : IResource
        where TRunner : notnull
    {
        builder.WithCommand(KnownResourceCommands.StopCommand, "Stop",
            context => stop(context.Services.GetRequiredService<TRunner>()),
            new CommandOptions
            {
                Description = stopDescription,
                IconName = "Stop",
                IsHighlighted = true,
                ConfirmationMessage = $"Stop {builder.Resource.Name}? The services lose it until it is started again.",
                UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                    ? ResourceCommandState.Enabled
                    : ResourceCommandState.Hidden,
            });

        return builder.WithCommand(KnownResourceCommands.StartCommand, "Start",
            context => start(context.Services.GetRequiredService<TRunner>()),
            new CommandOptions
            {
                Description = startDescription,
                IconName = "Play",
                IsHighlighted = true,
                UpdateState = context => context.ResourceSnapshot.State?.Text is { } state &&
                                         (state == KnownResourceStates.Exited || state == KnownResourceStates.Finished || state == KnownResourceStates.FailedToStart)
                    ? ResourceCommandState.Enabled
                    : ResourceCommandState.Hidden,
            });
    }
}
