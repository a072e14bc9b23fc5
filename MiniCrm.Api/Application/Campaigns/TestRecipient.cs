using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Consent;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>Where a test goes instead of the customer's own address: the marketer's email or number.</summary>
public sealed record TestRecipient(string? Email, string? Phone);
