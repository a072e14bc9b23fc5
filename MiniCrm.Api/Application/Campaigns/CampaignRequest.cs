using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MiniCrm.Api.Application.Campaigns;
using MiniCrm.Api.Http;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Consent;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>A campaign as a request describes it, every field checked.</summary>
public sealed record CampaignRequest(
    string Name, RuleGroup Rules, Segment? Saved, MessageTemplate Template, SendTime? Schedule, int? SendRatePerSecond, bool SmartSending, Guid? DraftId);
