using MiniCrm.Api.Application.Team;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// What a marketer does to campaigns, as results: launch (once per Idempotency-Key and per draft), check a launch
/// without making it, edit or move a scheduled campaign, pause, resume and cancel. The endpoints and the pages share it;
/// each needs the Marketer role (<see cref="Operations"/>) and each change is audited, as the caller <see cref="Access"/> knows.
/// </summary>
public sealed class CampaignActions(CampaignLauncher launcher, CampaignControl control, Access access, TimeProvider clock)
{
    /// <summary>
    /// Launches (or schedules) <paramref name="request"/>. A repeat with the same key answers the
    /// first launch's campaign (replayed); refused when no campaign could be made (an audience of none).
    /// </summary>
    public Task<Result<CampaignView>> LaunchAsync(CampaignLaunch request, string? idempotencyKey, CancellationToken ct) =>
        access.RunAsync(Operations.LaunchCampaign, null, async () => await launcher.LaunchAsync(request, access.Caller.Id, idempotencyKey, ct) switch
        {
            { Campaign: { } campaign } launch => CampaignView.From(campaign) with { Notice = launch.Notice },
            { Replay: { } first } => Result<CampaignView>.Again(first),
            { KeyProblem: { } state } => IdempotencyKeys.Refusal(state),
            { Refusal: { } title } launch => CrmProblem.Unprocessable(title, launch.RefusalDetail),
            var launch => CrmProblem.Invalid(launch.Errors),
        }, ct, recordOf: c => c.Id,
            detailOf: c => c is { Status: CampaignStatus.Scheduled, SendAt: { } at }
                ? $"{c.Name}, scheduled for {at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC"
                : $"{c.Name}, sent now to {c.AudienceSize} customers");

    /// <summary>Every problem a launch of <paramref name="launch"/> would meet in its fields, without launching anything.</summary>
    public Task<Result<Done>> CheckAsync(CampaignLaunch launch, CancellationToken ct) =>
        access.RunAsync(Operations.CheckCampaign, null, async () =>
            await launcher.CheckAsync(launch, ct) is { Count: > 0 } errors ? CrmProblem.Invalid(errors) : Result<Done>.Of(new Done()), ct);

    /// <summary>Changes a SCHEDULED campaign before it starts (the launch's fields, a send time required).</summary>
    public Task<Result<CampaignView>> EditScheduledAsync(Guid id, CampaignLaunch launch, CancellationToken ct) =>
        access.RunAsync(Operations.EditCampaign, id, async () =>
        {
            var (change, errors) = await launcher.EditScheduledAsync(id, launch, access.Caller.Id, ct);
            return errors.Count > 0 ? CrmProblem.Invalid(errors) : Answer(change);
        }, ct);

    /// <summary>Moves a SCHEDULED campaign to the time <paramref name="change"/> gives.</summary>
    public Task<Result<CampaignView>> RescheduleAsync(Guid id, ScheduleChange change, CancellationToken ct) =>
        access.RunAsync(Operations.RescheduleCampaign, id, async () =>
        {
            var errors = new List<FieldError>();
            var schedule = SendTime.Read(change.SendAt, change.TimeZone, clock.GetUtcNow(), errors);
            if (schedule is null)
            {
                return CrmProblem.Invalid(errors.Count > 0 ? errors : [new FieldError("sendAt", "Required: when the campaign is to start.")]);
            }

            return Answer(await control.RescheduleAsync(id, access.Caller.Id, schedule, ct));
        }, ct, detailOf: c => c.SendAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

    public Task<Result<CampaignView>> PauseAsync(Guid id, CancellationToken ct) =>
        access.RunAsync(Operations.PauseCampaign, id, async () => Answer(await control.PauseAsync(id, access.Caller.Id, ct)), ct);

    public Task<Result<CampaignView>> ResumeAsync(Guid id, CancellationToken ct) =>
        access.RunAsync(Operations.ResumeCampaign, id, async () => Answer(await control.ResumeAsync(id, access.Caller.Id, ct)), ct);

    public Task<Result<CampaignView>> CancelAsync(Guid id, CancellationToken ct) =>
        access.RunAsync(Operations.CancelCampaign, id, async () => Answer(await control.CancelAsync(id, access.Caller.Id, ct)), ct);

    /// <summary>A status change as a result: the campaign, not found, or a conflict with the reason.</summary>
    private static Result<CampaignView> Answer(CampaignChange change) => change switch
    {
        { Campaign: null } => CrmProblem.NotFound("No campaign has this id."),
        { Conflict: { } conflict } => CrmProblem.Conflict("Not possible in this status", conflict),
        { Campaign: { } campaign } => CampaignView.From(campaign),
    };
}
