using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MiniCrm.ServiceDefaults.Kafka;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Kafka client registration shaped like Aspire.Confluent.Kafka (not served here): reads the
/// connection string Aspire injects, binds settings from configuration, registers the client as a
/// singleton with a health check, and traces produced messages with context in their headers.
/// </summary>
public static class KafkaClientExtensions
{
    private const string ProducerSection = "Aspire:Confluent:Kafka:Producer";
    private const string ConsumerSection = "Aspire:Confluent:Kafka:Consumer";

    public static void AddKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder = null) =>
        builder.AddProducer(connectionName, serviceKey: null, configureSettings, configureBuilder);

    public static void AddKeyedKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string name,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder = null) =>
        builder.AddProducer(name, serviceKey: name, configureSettings, configureBuilder);

    public static void AddKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder = null) =>
        builder.AddConsumer(connectionName, serviceKey: null, configureSettings, configureBuilder);

    /// <summary>A consumer registered under <paramref name="serviceKey"/>, for services with several consumer groups.</summary>
    public static void AddKeyedKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        string serviceKey,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder = null) =>
        builder.AddConsumer(connectionName, serviceKey, configureSettings, configureBuilder);

    private static void AddProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        string? serviceKey,
        Action<KafkaProducerSettings>? configureSettings,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder)
    {
        var settings = new KafkaProducerSettings();
        Bind(builder.Configuration, ProducerSection, connectionName, settings);
        settings.ConnectionString = builder.Configuration.GetConnectionString(connectionName) ?? settings.ConnectionString;
        configureSettings?.Invoke(settings);
        if (string.IsNullOrWhiteSpace(settings.ConnectionString) && string.IsNullOrWhiteSpace(settings.Config.BootstrapServers))
        {
            throw new InvalidOperationException(
                $"A Kafka producer could not be configured: set ConnectionStrings:{connectionName} (the AppHost does) or {ProducerSection}:ConnectionString.");
        }

        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            KafkaConnectionString.ApplyTo(settings.ConnectionString, settings.Config);
        }

        IProducer<TKey, TValue> Create(IServiceProvider sp)
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger($"Kafka.Producer.{serviceKey ?? connectionName}");
            var producerBuilder = new ProducerBuilder<TKey, TValue>(settings.Config)
                .SetLogHandler((_, m) => logger.Log(ToLogLevel(m.Level), "{Facility}: {Message}", m.Facility, m.Message))
                .SetErrorHandler((_, e) => logger.Log(e.IsFatal ? LogLevel.Critical : LogLevel.Warning, "Kafka producer error {Code}: {Reason}", e.Code, e.Reason));
            configureBuilder?.Invoke(sp, producerBuilder);
            var producer = producerBuilder.Build();
            return settings.DisableTracing ? producer : new TracingProducer<TKey, TValue>(producer);
        }

        var health = new KafkaClientHealth();
        if (serviceKey is null)
        {
            builder.Services.AddSingleton(Create);
        }
        else
        {
            builder.Services.AddKeyedSingleton(serviceKey, (sp, _) => Create(sp));
        }

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"Kafka.Producer.{serviceKey ?? connectionName}",
                sp => new KafkaClientHealthCheck(
                    () => serviceKey is null ? sp.GetRequiredService<IProducer<TKey, TValue>>() : sp.GetRequiredKeyedService<IProducer<TKey, TValue>>(serviceKey),
                    health),
                failureStatus: null,
                tags: null));
        }
    }

    private static void AddConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        string? serviceKey,
        Action<KafkaConsumerSettings>? configureSettings,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder)
    {
        var settings = new KafkaConsumerSettings();
        Bind(builder.Configuration, ConsumerSection, serviceKey ?? connectionName, settings);
        settings.ConnectionString = builder.Configuration.GetConnectionString(connectionName) ?? settings.ConnectionString;
        configureSettings?.Invoke(settings);
        if (string.IsNullOrWhiteSpace(settings.ConnectionString) && string.IsNullOrWhiteSpace(settings.Config.BootstrapServers))
        {
            throw new InvalidOperationException(
                $"A Kafka consumer could not be configured: set ConnectionStrings:{connectionName} (the AppHost does) or {ConsumerSection}:ConnectionString.");
        }

        if (string.IsNullOrWhiteSpace(settings.Config.GroupId))
        {
            throw new InvalidOperationException($"The Kafka consumer '{serviceKey ?? connectionName}' needs a GroupId ({ConsumerSection}:Config:GroupId).");
        }

        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            KafkaConnectionString.ApplyTo(settings.ConnectionString, settings.Config);
        }

        var health = new KafkaClientHealth();

        IConsumer<TKey, TValue> Create(IServiceProvider sp)
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger($"Kafka.Consumer.{serviceKey ?? connectionName}");
            var consumerBuilder = new ConsumerBuilder<TKey, TValue>(settings.Config)
                .SetLogHandler((_, m) => logger.Log(ToLogLevel(m.Level), "{Facility}: {Message}", m.Facility, m.Message))
                .SetErrorHandler((_, e) => logger.Log(e.IsFatal ? LogLevel.Critical : LogLevel.Warning, "Kafka consumer error {Code}: {Reason}", e.Code, e.Reason));
            configureBuilder?.Invoke(sp, consumerBuilder);
            return consumerBuilder.Build();
        }

        if (serviceKey is null)
        {
            builder.Services.AddSingleton(Create);
            builder.Services.AddSingleton(health);
        }
        else
        {
            builder.Services.AddKeyedSingleton(serviceKey, (sp, _) => Create(sp));
            builder.Services.AddKeyedSingleton(serviceKey, health);
        }

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"Kafka.Consumer.{serviceKey ?? connectionName}",
                sp => new KafkaClientHealthCheck(
                    () => serviceKey is null ? sp.GetRequiredService<IConsumer<TKey, TValue>>() : sp.GetRequiredKeyedService<IConsumer<TKey, TValue>>(serviceKey),
                    health),
                failureStatus: null,
                tags: null));
        }
    }

    private static void Bind(IConfiguration configuration, string sectionName, string name, object settings)
    {
        var section = configuration.GetSection(sectionName);
        section.Bind(settings);
        section.GetSection(name).Bind(settings);
    }

    private static LogLevel ToLogLevel(SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };
}
