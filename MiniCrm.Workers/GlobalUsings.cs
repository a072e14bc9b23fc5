global using MiniCrm.Workers.Extensions;
