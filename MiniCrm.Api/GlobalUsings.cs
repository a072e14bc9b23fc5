global using Microsoft.EntityFrameworkCore;
global using MiniCrm.Api.Extensions;
global using MiniCrm.Core.Domain;
global using MiniCrm.Core.Infrastructure;
global using MiniCrm.Api.Application;
