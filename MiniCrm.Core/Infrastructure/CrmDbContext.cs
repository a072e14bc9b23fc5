using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using MiniCrm.Core.Domain;

namespace MiniCrm.Core.Infrastructure;

/// <summary>
/// The CRM's schema. Tables and columns are snake_case so the set-based SQL of the hot paths reads
/// naturally; enums are stored as their upper-case names (the seed's values) with CHECK constraints.
/// </summary>
public sealed class CrmDbContext(DbContextOptions<CrmDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>The Api's Data Protection keys (they protect the session cookie and antiforgery tokens).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<CustomerAlias> CustomerAliases => Set<CustomerAlias>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<OrderItem> OrderItems => Set<OrderItem>();

    public DbSet<Campaign> Campaigns => Set<Campaign>();

    public DbSet<Segment> Segments => Set<Segment>();

    public DbSet<CampaignEvent> CampaignEvents => Set<CampaignEvent>();

    public DbSet<CommunicationLog> CommunicationLogs => Set<CommunicationLog>();

    public DbSet<User> Users => Set<User>();

    public DbSet<ConsentEvent> ConsentEvents => Set<ConsentEvent>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<Import> Imports => Set<Import>();

    public DbSet<ImportChunk> ImportChunks => Set<ImportChunk>();

    public DbSet<ImportRejection> ImportRejections => Set<ImportRejection>();

    public DbSet<ImportBatch> ImportBatches => Set<ImportBatch>();

    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();

    public DbSet<CampaignDraft> CampaignDrafts => Set<CampaignDraft>();

    public DbSet<LastCampaignMessage> LastCampaignMessages => Set<LastCampaignMessage>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        // hmac() signs the unsubscribe links where the messages are written (Consent.UnsubscribeLinks.SqlToken).
        model.HasPostgresExtension("pgcrypto");
        model.ApplyConfigurationsFromAssembly(typeof(CrmDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        conventions.Properties<decimal>().HavePrecision(14, 2);
        conventions.Properties<OrderStatus>().HaveConversion<UpperCaseEnumConverter<OrderStatus>>().HaveMaxLength(16);
        conventions.Properties<CampaignStatus>().HaveConversion<UpperCaseEnumConverter<CampaignStatus>>().HaveMaxLength(16);
        conventions.Properties<DeliveryStatus>().HaveConversion<UpperCaseEnumConverter<DeliveryStatus>>().HaveMaxLength(16);
        conventions.Properties<ImportKind>().HaveConversion<UpperCaseEnumConverter<ImportKind>>().HaveMaxLength(16);
        conventions.Properties<ImportStatus>().HaveConversion<UpperCaseEnumConverter<ImportStatus>>().HaveMaxLength(16);
    }
}

/// <summary>Stores an enum as its upper-case name: PENDING, COMPLETED, ...</summary>
public sealed class UpperCaseEnumConverter<TEnum>() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<TEnum, string>(
    v => System.Text.Json.JsonNamingPolicy.SnakeCaseUpper.ConvertName(v.ToString()),
    v => Enum.Parse<TEnum>(v.Replace("_", ""), true))
    where TEnum : struct, Enum;
