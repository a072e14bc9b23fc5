using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MiniCrm.Core.Domain;

namespace MiniCrm.Core.Infrastructure;

internal sealed class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> customer)
    {
        customer.ToTable("customers", t =>
        {
            t.HasCheckConstraint("ck_customers_name", "char_length(name) >= 2");
            t.HasCheckConstraint("ck_customers_phone", "phone ~ '^[0-9]{10}$'");
            t.HasCheckConstraint("ck_customers_total_spend", "total_spend >= 0");
        });
        customer.Property(c => c.Id).HasDefaultValueSql("gen_random_uuid()");
        customer.Property(c => c.Name).HasMaxLength(200);
        customer.Property(c => c.Email).HasMaxLength(320);
        customer.Property(c => c.Phone).HasMaxLength(10);
        customer.Property(c => c.City).HasMaxLength(100);
        customer.Property(c => c.CreatedAt).HasDefaultValueSql("now()");
        customer.Property(c => c.UnsubscribedVia).HasMaxLength(16);
        // A sum of order amounts: unbounded, so no number of orders can overflow it (each is at most 999,999,999,999.99).
        customer.Property(c => c.TotalSpend).HasColumnType("numeric").HasDefaultValue(0m);
        customer.Property(c => c.Visits).HasDefaultValue(0);

        customer.HasIndex(c => c.Email).IsUnique();
        customer.HasIndex(c => c.Phone).IsUnique();
        // Segment attributes, and the keyset order of the customer list (newest first).
        // City is compared without case: see the lower(city) index in the migration.
        customer.HasIndex(c => new { c.TotalSpend, c.Id });
        customer.HasIndex(c => c.Visits);
        customer.HasIndex(c => c.LastOrderDate);
        customer.HasIndex(c => new { c.CreatedAt, c.Id });
    }
}

internal sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public void Configure(EntityTypeBuilder<Order> order)
    {
        order.ToTable("orders", t =>
        {
            t.HasCheckConstraint("ck_orders_amount", "amount >= 0");
            t.HasCheckConstraint("ck_orders_status", "status IN ('PENDING','COMPLETED','CANCELLED','REFUNDED')");
        });
        order.Property(o => o.Id).HasMaxLength(100);
        order.Property(o => o.CreatedAt).HasDefaultValueSql("now()");
        order.Property(o => o.UpdatedAt).HasDefaultValueSql("now()");
        order.Property(o => o.SubmissionId).HasDefaultValueSql("'00000000-0000-0000-0000-000000000000'::uuid");
        order.HasOne(o => o.Customer).WithMany(c => c.Orders).HasForeignKey(o => o.CustomerId).OnDelete(DeleteBehavior.Cascade);
        order.HasMany(o => o.Items).WithOne().HasForeignKey(i => i.OrderId).OnDelete(DeleteBehavior.Cascade);

        order.HasIndex(o => new { o.CustomerId, o.OrderDate });
        order.HasIndex(o => new { o.Status, o.OrderDate });
        order.HasIndex(o => new { o.OrderDate, o.Id });
    }
}

internal sealed class OrderItemConfiguration : IEntityTypeConfiguration<OrderItem>
{
    public void Configure(EntityTypeBuilder<OrderItem> item)
    {
        item.ToTable("order_items", t =>
        {
            t.HasCheckConstraint("ck_order_items_quantity", "quantity > 0");
            t.HasCheckConstraint("ck_order_items_unit_price", "unit_price >= 0");
            t.HasCheckConstraint("ck_order_items_total", "total = quantity * unit_price");
        });
        item.Property(i => i.Id).UseIdentityAlwaysColumn();
        item.Property(i => i.Name).HasMaxLength(200);
        item.HasIndex(i => i.OrderId);
    }
}

internal sealed class CustomerAliasConfiguration : IEntityTypeConfiguration<CustomerAlias>
{
    public void Configure(EntityTypeBuilder<CustomerAlias> alias)
    {
        alias.ToTable("customer_aliases");
        alias.Property(a => a.Id).ValueGeneratedNever();
        alias.Property(a => a.CreatedAt).HasDefaultValueSql("now()");
        alias.HasOne<Customer>().WithMany().HasForeignKey(a => a.CustomerId).OnDelete(DeleteBehavior.Cascade);
        alias.HasIndex(a => a.CustomerId);
    }
}

internal sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> campaign)
    {
        campaign.ToTable("campaigns", t =>
        {
            t.HasCheckConstraint("ck_campaigns_counters", "pending_count >= 0 AND sent_count >= 0 AND failed_count >= 0 AND cancelled_count >= 0");
            t.HasCheckConstraint("ck_campaigns_status", "status IN ('SCHEDULED','RUNNING','PAUSED','COMPLETED','CANCELLED')");
            t.HasCheckConstraint("ck_campaigns_send_rate", "send_rate_per_second IS NULL OR send_rate_per_second > 0");
            t.HasCheckConstraint("ck_campaigns_holdout", "holdout_percent BETWEEN 0 AND 50 AND held_out_count >= 0");
            t.HasCheckConstraint("ck_campaigns_attribution_days", "attribution_days BETWEEN 1 AND 90");
        });
        campaign.Property(c => c.AttributionDays).HasDefaultValue(7);
        campaign.Property(c => c.Id).HasDefaultValueSql("gen_random_uuid()");
        campaign.Property(c => c.Name).HasMaxLength(200);
        campaign.Property(c => c.CreatedBy).HasMaxLength(64);
        campaign.Property(c => c.Segment).HasColumnType("jsonb");
        campaign.Property(c => c.Message).HasMaxLength(2000);
        campaign.Property(c => c.TraceParent).HasMaxLength(64);
        campaign.Property(c => c.IntentProvider).HasMaxLength(40).HasDefaultValue("offline");
        campaign.Property(c => c.SummaryProvider).HasMaxLength(40);
        campaign.Property(c => c.TimeZone).HasMaxLength(64);
        // The Workers' queue of scheduled campaigns, by when they start.
        campaign.HasIndex(c => c.SendAt, "ix_campaigns_scheduled")
            .HasDatabaseName("ix_campaigns_scheduled")
            .HasFilter("status = 'SCHEDULED'");
        // The Workers' queue of summaries to ask a model for.
        campaign.HasIndex(c => c.SummaryDueAt, "ix_campaigns_summary_due")
            .HasDatabaseName("ix_campaigns_summary_due")
            .HasFilter("summary_due_at IS NOT NULL");
        campaign.Property(c => c.DispatchRound).HasDefaultValue(1);
        // Campaigns launched before smart sending existed did not skip anyone.
        campaign.Property(c => c.SmartSending).HasDefaultValue(false);
        campaign.Property(c => c.CreatedAt).HasDefaultValueSql("now()");
        campaign.HasIndex(c => new { c.CreatedAt, c.Id });
        // The Workers' queue of campaigns to prepare and to dispatch.
        campaign.HasIndex(c => c.CreatedAt, "ix_campaigns_unfinished")
            .HasDatabaseName("ix_campaigns_unfinished")
            .HasFilter("dispatched_at IS NULL");
        // A journey's messages (its send campaigns), for its counters.
        campaign.HasIndex(c => c.JourneyId, "ix_campaigns_journey").HasDatabaseName("ix_campaigns_journey").HasFilter("journey_id IS NOT NULL");
    }
}

internal sealed class SegmentConfiguration : IEntityTypeConfiguration<Segment>
{
    public void Configure(EntityTypeBuilder<Segment> segment)
    {
        segment.ToTable("segments");
        segment.Property(s => s.Name).HasMaxLength(200);
        segment.Property(s => s.Rules).HasColumnType("jsonb");
        segment.Property(s => s.Description).HasMaxLength(4000);
        segment.Property(s => s.CreatedBy).HasMaxLength(64);
        // Names are unique regardless of case ("VIP Pune" and "vip pune" are one audience to a marketer):
        // a unique index on lower(name), created by the SavedSegments migration.
        segment.HasIndex(s => new { s.CreatedAt, s.Id });
        segment.HasMany<Campaign>().WithOne().HasForeignKey(c => c.SegmentId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class ImportConfiguration : IEntityTypeConfiguration<Import>
{
    public void Configure(EntityTypeBuilder<Import> import)
    {
        import.ToTable("imports", t => t.HasCheckConstraint("ck_imports_status", "status IN ('RECEIVING','QUEUED','PROCESSING','COMPLETED','FAILED')"));
        import.Property(i => i.FileName).HasMaxLength(255);
        import.Property(i => i.CreatedBy).HasMaxLength(64);
        import.Property(i => i.Error).HasMaxLength(1000);
        import.Property(i => i.FirstProblem).HasMaxLength(700);
        import.HasIndex(i => new { i.CreatedAt, i.Id });
    }
}

internal sealed class ImportChunkConfiguration : IEntityTypeConfiguration<ImportChunk>
{
    public void Configure(EntityTypeBuilder<ImportChunk> chunk)
    {
        chunk.ToTable("import_chunks");
        chunk.HasKey(c => new { c.ImportId, c.Seq });
        chunk.HasOne<Import>().WithMany().HasForeignKey(c => c.ImportId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ImportRejectionConfiguration : IEntityTypeConfiguration<ImportRejection>
{
    public void Configure(EntityTypeBuilder<ImportRejection> rejection)
    {
        rejection.ToTable("import_rejections");
        rejection.Property(r => r.Id).UseIdentityAlwaysColumn();
        rejection.Property(r => r.Field).HasMaxLength(100);
        rejection.Property(r => r.Reason).HasMaxLength(500);
        rejection.HasIndex(r => new { r.ImportId, r.Line });
        rejection.HasOne<Import>().WithMany().HasForeignKey(r => r.ImportId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ImportBatchConfiguration : IEntityTypeConfiguration<ImportBatch>
{
    public void Configure(EntityTypeBuilder<ImportBatch> batch)
    {
        batch.ToTable("import_batches");
        batch.HasKey(b => b.ImportId);
        batch.Property(b => b.FirstProblem).HasMaxLength(700);
        batch.HasOne<Import>().WithMany().HasForeignKey(b => b.ImportId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CampaignEventConfiguration : IEntityTypeConfiguration<CampaignEvent>
{
    public void Configure(EntityTypeBuilder<CampaignEvent> campaignEvent)
    {
        // Written by a trigger on campaigns (see the CampaignControl migration): no status change can go unrecorded.
        campaignEvent.ToTable("campaign_events");
        campaignEvent.Property(e => e.Id).UseIdentityAlwaysColumn();
        campaignEvent.Property(e => e.ChangedBy).HasMaxLength(64);
        campaignEvent.Property(e => e.At).HasDefaultValueSql("clock_timestamp()");
        campaignEvent.HasOne<Campaign>().WithMany().HasForeignKey(e => e.CampaignId).OnDelete(DeleteBehavior.Cascade);
        campaignEvent.HasIndex(e => new { e.CampaignId, e.Id });
    }
}

internal sealed class CommunicationLogConfiguration : IEntityTypeConfiguration<CommunicationLog>
{
    public void Configure(EntityTypeBuilder<CommunicationLog> log)
    {
        log.ToTable("communication_logs", t =>
            t.HasCheckConstraint("ck_communication_logs_status", "status IN ('PENDING','SENT','FAILED','CANCELLED','HELD_OUT')"));
        // One message per customer per campaign. The key is also the order of dispatch and of the
        // log's pages. No foreign keys, and no other index a campaign's rows pay for: a million-row campaign
        // writes and updates this table in bulk, and every index or per-row check would be paid a million
        // times (the BRIN below costs next to nothing; the journey index holds journey rows only). The
        // rows are a record of what was sent (name, email and message are copied), kept even if a
        // customer later changes.
        log.HasKey(l => new { l.CampaignId, l.CustomerId });
        // Room in each page for the receipt update, so it is a HOT update (no index entry written).
        log.HasStorageParameter("fillfactor", 85);
        log.Property(l => l.CustomerName).HasMaxLength(200);
        log.Property(l => l.Email).HasMaxLength(320);
        log.Property(l => l.Phone).HasMaxLength(10);
        log.Property(l => l.PersonalizedMessage).HasColumnName("personalized_msg");
        log.Property(l => l.FailureReason).HasMaxLength(500);
        log.Property(l => l.Attempts).HasDefaultValue(1);
        log.Property(l => l.CreatedAt).HasDefaultValueSql("now()");
        // The frequency cap counts each customer's messages of the last days. Rows arrive in time order,
        // so a BRIN index (a few pages, next to nothing to maintain) finds the window without a scan.
        log.HasIndex(l => l.CreatedAt, "ix_communication_logs_created_at").HasDatabaseName("ix_communication_logs_created_at").HasMethod("brin");
        // A journey's messages by customer: attribution finds a customer's journey messages through it instead of probing
        // every live campaign's key (a journey makes a campaign per pass of its runner, thousands over a week).
        log.HasIndex(l => l.CustomerId, "ix_communication_logs_journey_customer").HasDatabaseName("ix_communication_logs_journey_customer").HasFilter("journey");
    }
}

internal sealed class ConsentEventConfiguration : IEntityTypeConfiguration<ConsentEvent>
{
    public void Configure(EntityTypeBuilder<ConsentEvent> consent)
    {
        consent.ToTable("consent_events");
        consent.Property(e => e.Id).UseIdentityAlwaysColumn();
        consent.Property(e => e.Change).HasMaxLength(16);
        consent.Property(e => e.Via).HasMaxLength(16);
        consent.Property(e => e.ByUser).HasMaxLength(64);
        consent.Property(e => e.At).HasDefaultValueSql("clock_timestamp()");
        consent.HasIndex(e => new { e.CustomerId, e.Id });
    }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> user)
    {
        user.ToTable("users", t => t.HasCheckConstraint("ck_users_role", "role IN ('ANALYST', 'MARKETER', 'ADMIN')"));
        user.Property(u => u.Id).HasMaxLength(64)
            .HasDefaultValueSql("concat('user_', replace(cast(gen_random_uuid() as text), '-', ''))");
        user.Property(u => u.CreatedAt).HasDefaultValueSql("now()");
        user.Property(u => u.UpdatedAt).HasDefaultValueSql("now()");
        user.HasIndex(u => u.GoogleId).IsUnique();
        user.HasIndex(u => u.Email).IsUnique();
        user.Property(u => u.Phone).HasMaxLength(10);
        user.Property(u => u.SessionStamp).HasMaxLength(32).HasDefaultValueSql("replace(cast(gen_random_uuid() as text), '-', '')");
        user.Property(u => u.Role).HasMaxLength(16).HasConversion(RoleNames.Converter);
        user.Property(u => u.RemovedBy).HasMaxLength(64);
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> audit)
    {
        audit.ToTable("audit_events");
        audit.Property(e => e.Id).UseIdentityAlwaysColumn();
        audit.Property(e => e.At).HasDefaultValueSql("clock_timestamp()");
        audit.Property(e => e.UserId).HasMaxLength(64);
        audit.Property(e => e.UserEmail).HasMaxLength(320);
        audit.Property(e => e.Role).HasMaxLength(16).HasConversion(RoleNames.Converter);
        audit.Property(e => e.Action).HasMaxLength(64);
        audit.Property(e => e.RecordType).HasMaxLength(32);
        audit.Property(e => e.RecordId).HasMaxLength(64);
        audit.Property(e => e.Address).HasMaxLength(64);
        audit.Property(e => e.Detail).HasMaxLength(1000);
        audit.HasIndex(e => e.At);
        audit.HasIndex(e => new { e.UserId, e.Id });
        audit.HasIndex(e => new { e.RecordId, e.Id });
    }
}

/// <summary>A role as the database stores it: its name in capitals.</summary>
internal static class RoleNames
{
    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<Role, string> Converter =
        new(r => r.ToString().ToUpperInvariant(), s => Enum.Parse<Role>(s, true));
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> record)
    {
        record.ToTable("idempotency_keys");
        record.HasKey(r => new { r.Owner, r.Key });
        record.Property(r => r.Owner).HasMaxLength(64);
        record.Property(r => r.Key).HasMaxLength(255);
        record.Property(r => r.Response).HasColumnType("jsonb");
        record.Property(r => r.CreatedAt).HasDefaultValueSql("now()");
        // Each owner's expired keys are deleted when the owner makes a new one.
        record.HasIndex(r => new { r.Owner, r.CreatedAt });
    }
}

internal sealed class CampaignDraftConfiguration : IEntityTypeConfiguration<CampaignDraft>
{
    public void Configure(EntityTypeBuilder<CampaignDraft> draft)
    {
        draft.ToTable("campaign_drafts");
        draft.Property(d => d.Name).HasMaxLength(200);
        draft.Property(d => d.Content).HasColumnType("jsonb");
        draft.Property(d => d.CreatedBy).HasMaxLength(64);
        draft.Property(d => d.UpdatedBy).HasMaxLength(64);
        // Drafts still being composed, most recently edited first.
        draft.HasIndex(d => new { d.UpdatedAt, d.Id }).HasFilter("campaign_id IS NULL");
    }
}

internal sealed class LastCampaignMessageConfiguration : IEntityTypeConfiguration<LastCampaignMessage>
{
    public void Configure(EntityTypeBuilder<LastCampaignMessage> last)
    {
        // No foreign key, as the log has none: written a million rows at a time when a campaign is prepared.
        last.ToTable("last_campaign_messages");
        last.HasKey(l => l.CustomerId);
        // Room in each page for the next campaign's update of a row, so it is a HOT update.
        last.HasStorageParameter("fillfactor", 70);
    }
}
