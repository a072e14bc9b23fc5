using System.ComponentModel;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Http;

/// <summary>
/// Text is read by <see cref="TolerantStringConverter"/>, a custom converter, so the document generator cannot tell it
/// is text; this says so again: every string is <c>"type": "string"</c> (or null, where the property may be null), with its description.
/// </summary>
internal static class OpenApiText
{
    public static OpenApiOptions DescribeText(this OpenApiOptions options) => options.AddSchemaTransformer((schema, context, _) =>
    {
        if (context.JsonTypeInfo.Type == typeof(string) && schema.Type is null)
        {
            schema.Type = context.JsonPropertyInfo is { IsGetNullable: true } ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Description ??= context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(DescriptionAttribute), inherit: true)
                .OfType<DescriptionAttribute>().FirstOrDefault()?.Description;
        }

        return Task.CompletedTask;
    });
}
