using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OmniChat.Api.OpenApi;

/// <summary>
/// The one null rule of the API (docs/api.md), applied to every object schema:
/// <list type="bullet">
/// <item>Requests: a field is <c>required</c> only when the request type marks it <see cref="RequiredAttribute"/> (the Api
/// answers 400 <c>validation_failed</c> without it); a required field is not nullable; every other field may be left out
/// or sent as <c>null</c>.</item>
/// <item>Responses: every field is always present (<c>null</c> when its type is nullable and there is no value) and so
/// <c>required</c>, except a field marked <c>[JsonIgnore(Condition = WhenWritingNull)]</c>, which is left out instead of
/// <c>null</c> and is not required.</item>
/// </list>
/// Integers are plain JSON integers (the Api also reads numeric strings, but never writes them).
/// </summary>
internal sealed class SchemaContract : IOpenApiSchemaTransformer
{
    private HashSet<Type>? _requestTypes;

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        PlainInteger(schema);
        var typeInfo = context.JsonTypeInfo;
        if (typeInfo.Kind != JsonTypeInfoKind.Object || schema.Properties is not { Count: > 0 } properties)
        {
            return Task.CompletedTask;
        }

        var isRequest = RequestTypes(context.ApplicationServices).Contains(typeInfo.Type);
        var required = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in typeInfo.Properties)
        {
            if (!properties.TryGetValue(property.Name, out var propertySchema))
            {
                continue;
            }
            if (isRequest)
            {
                if (Has<RequiredAttribute>(property))
                {
                    required.Add(property.Name);
                    if (propertySchema is OpenApiSchema { Type: { } type } concrete)
                    {
                        concrete.Type = type & ~JsonSchemaType.Null;
                    }
                }
            }
            else if (!OmittedWhenNull(property))
            {
                required.Add(property.Name);
            }
        }
        schema.Required = required;
        return Task.CompletedTask;
    }

    // Web defaults read numbers from strings, so the generator writes integers as ["integer","string"] with a pattern.
    private static void PlainInteger(OpenApiSchema schema)
    {
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Integer) && type.HasFlag(JsonSchemaType.String))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
    }

    private static bool Has<TAttribute>(JsonPropertyInfo property) where TAttribute : Attribute =>
        property.AttributeProvider?.IsDefined(typeof(TAttribute), inherit: true) ?? false;

    private static bool OmittedWhenNull(JsonPropertyInfo property) =>
        property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true).OfType<JsonIgnoreAttribute>()
            .Any(a => a.Condition == JsonIgnoreCondition.WhenWritingNull) ?? false;

    // Body parameter types of every endpoint, and the object types of their properties (CustomerReference, …).
    private HashSet<Type> RequestTypes(IServiceProvider services)
    {
        if (_requestTypes is { } known)
        {
            return known;
        }
        var found = new HashSet<Type>();
        var pending = new Stack<Type>(services.GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items
            .SelectMany(g => g.Items).SelectMany(d => d.ParameterDescriptions)
            .Where(p => p.Source == BindingSource.Body).Select(p => p.Type));
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type.IsPrimitive || type == typeof(string) || type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true || !found.Add(type))
            {
                continue;
            }
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                pending.Push(property.PropertyType);
            }
        }
        return _requestTypes = found;
    }
}
