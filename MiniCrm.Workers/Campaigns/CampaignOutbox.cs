using Confluent.Kafka;
using Microsoft.Extensions.Options;
using MiniCrm.ServiceDefaults.Operations;
using MiniCrm.Workers.Deliveries;
using Npgsql;

namespace MiniCrm.Workers.Campaigns;

/// <summary>
/// The campaign outbox in the Workers: a launched campaign is a row, and this loop moves it along,
/// one job per class. <see cref="CampaignPreparer"/> writes its log rows; <see cref="CampaignDispatcher"/>
/// hands them to Kafka, pausing while the delivery consumers are behind or the vendor is away
/// (<see cref="VendorCircuit"/>); <see cref="DeliveryReconciler"/>, beside it, sends again what got no receipt.
/// An orderly stop halts it first, so nothing new goes out while the pipeline drains.
/// </summary>
public sealed partial class CampaignOutbox(
    CampaignPreparer preparer,
    CampaignDispatcher dispatcher,
    VendorCircuit vendor,
    DrainSignal drain,
    IOptions<DispatchOptions> options,
    ILogger<CampaignOutbox> logger) : BackgroundService, IDrainProgress
{
    private static readonly TimeSpan PauseStep = TimeSpan.FromMilliseconds(50);

    /// <summary>1 while a prepare or dispatch step runs: an orderly stop waits for it, so its messages are in Kafka before the lag is read.</summary>
    private int _stepping;

    public IEnumerable<KeyValuePair<string, long>> Remaining() => [new("outboxStepsInFlight", Volatile.Read(ref _stepping))];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var idle = TimeSpan.FromMilliseconds(options.Value.PollMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (drain.IsDraining)
            {
                // An orderly stop: nothing new goes out; what is dispatched is drained by the consumers.
                await Task.Delay(idle, stoppingToken);
                continue;
            }

            var worked = false;
            Volatile.Write(ref _stepping, 1);
            try
            {
                worked |= await preparer.PrepareNextAsync(stoppingToken);
                if (!dispatcher.ConsumersBehind && !vendor.IsOpen)
                {
                    worked |= await dispatcher.DispatchStepAsync(stoppingToken);
                }
                else
                {
                    // The delivery consumers are behind, or the vendor is away: wait, and count the pause.
                    await Task.Delay(PauseStep, stoppingToken);
                    dispatcher.Paused(PauseStep);
                    worked = true;
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or KafkaException or TimeoutException)
            {
                LogStepFailed(ex);
                Volatile.Write(ref _stepping, 0);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
            finally
            {
                Volatile.Write(ref _stepping, 0);
            }

            if (!worked)
            {
                await Task.Delay(idle, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A campaign outbox step failed; retrying.")]
    private partial void LogStepFailed(Exception ex);
}
