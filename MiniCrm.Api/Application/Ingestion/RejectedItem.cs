using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;
using MiniCrm.Api.Http;
using MiniCrm.Core.Messaging;
using MiniCrm.Core.Segments;
using Npgsql;

namespace MiniCrm.Api.Application.Ingestion;

public sealed record RejectedItem(int Index, string Field, string Message);
