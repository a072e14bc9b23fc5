using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;
using MiniCrm.Api.Http;
using MiniCrm.Core.Messaging;
using MiniCrm.Core.Segments;
using Npgsql;

namespace MiniCrm.Api.Application.Ingestion;

/// <summary>What became of each item of an ingestion request.</summary>
public sealed record Intake<T>(List<(int Index, string Key, T Message)> Accepted, List<RejectedItem> Rejected);
