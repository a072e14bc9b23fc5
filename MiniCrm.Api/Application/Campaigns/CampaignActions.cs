using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// What a marketer does to campaigns, as results: launch (once per Idempotency-Key and per draft), check a launch
/// without making it, edit or move a scheduled campaign, pause, resume and cancel. The endpoints and the pages share it.
/// </summary>
public sealed class CampaignActions(CampaignLauncher launcher, CampaignControl control, TimeProvider clock)
{
    /// <summary>
    /// Launches (or schedules) <paramref name="request"/>. A repeat with the same key answers the
    /// first launch's campaign (replayed); refused when no campaign could be made (an audience of none).
    /// </summary>
    public async Task<Result<CampaignView>> LaunchAsync(CampaignLaunch request, string userId, string? idempotencyKey, CancellationToken ct) =>
        await launcher.LaunchAsync(request, userId, idempotencyKey, ct) switch
        {
            { Campaign: { } campaign } launch => CampaignView.From(campaign) with { Notice = launch.Notice },
            { Replay: { } first } => Result<CampaignView>.Again(first),
            { KeyProblem: { } state } => IdempotencyKeys.Refusal(state),
            { Refusal: { } title } launch => CrmProblem.Unprocessable(title, launch.RefusalDetail),
            var launch => CrmProblem.Invalid(launch.Errors),
        };

    /// <summary>Every problem a launch of <paramref name="launch"/> would meet in its fields, without launching anything.</summary>
    public async Task<Result<Done>> CheckAsync(CampaignLaunch launch, CancellationToken ct) =>
        await launcher.CheckAsync(launch, ct) is { Count: > 0 } errors ? CrmProblem.Invalid(errors) : new Done();

    /// <summary>Changes a SCHEDULED campaign before it starts (the launch's fields, a send time required).</summary>
    public async Task<Result<CampaignView>> EditScheduledAsync(Guid id, CampaignLaunch launch, string userId, CancellationToken ct)
    {
        var (change, errors) = await launcher.EditScheduledAsync(id, launch, userId, ct);
        return errors.Count > 0 ? CrmProblem.Invalid(errors) : Answer(change);
    }

    /// <summary>Moves a SCHEDULED campaign to the time <paramref name="change"/> gives.</summary>
    public async Task<Result<CampaignView>> RescheduleAsync(Guid id, ScheduleChange change, string userId, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var schedule = SendTime.Read(change.SendAt, change.TimeZone, clock.GetUtcNow(), errors);
        if (schedule is null)
        {
            return CrmProblem.Invalid(errors.Count > 0 ? errors : [new FieldError("sendAt", "Required: when the campaign is to start.")]);
        }

        return Answer(await control.RescheduleAsync(id, userId, schedule, ct));
    }

    public async Task<Result<CampaignView>> PauseAsync(Guid id, string userId, CancellationToken ct) => Answer(await control.PauseAsync(id, userId, ct));

    public async Task<Result<CampaignView>> ResumeAsync(Guid id, string userId, CancellationToken ct) => Answer(await control.ResumeAsync(id, userId, ct));

    public async Task<Result<CampaignView>> CancelAsync(Guid id, string userId, CancellationToken ct) => Answer(await control.CancelAsync(id, userId, ct));

    /// <summary>A status change as a result: the campaign, not found, or a conflict with the reason.</summary>
    private static Result<CampaignView> Answer(CampaignChange change) => change switch
    {
        { Campaign: null } => CrmProblem.NotFound("No campaign has this id."),
        { Conflict: { } conflict } => CrmProblem.Conflict("Not possible in this status", conflict),
        { Campaign: { } campaign } => CampaignView.From(campaign),
    };
}
