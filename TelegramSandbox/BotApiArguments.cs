using System.Globalization;
using System.Text.Json;

namespace OmniChat.TelegramSandbox;

/// <summary>
/// A Bot API call's parameters, from wherever Telegram accepts them: the query string, an
/// <c>application/x-www-form-urlencoded</c> or <c>multipart/form-data</c> body, or a JSON object body. Values keep their
/// JSON form (an inline keyboard stays an object); form and query values are strings, parsed on use.
/// </summary>
public sealed class BotApiArguments
{
    private readonly Dictionary<string, JsonElement> _values = new(StringComparer.Ordinal);

    public static async Task<BotApiArguments> ReadAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var arguments = new BotApiArguments();
        foreach (var (key, value) in request.Query)
        {
            arguments.SetString(key, value.ToString());
        }
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            foreach (var (key, value) in form)
            {
                arguments.SetString(key, value.ToString());
            }
        }
        else if (request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true)
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("The body must be a JSON object.");
            }
            foreach (var property in document.RootElement.EnumerateObject())
            {
                arguments._values[property.Name] = property.Value.Clone();
            }
        }
        return arguments;
    }

    public string? Text(string name) => _values.TryGetValue(name, out var value)
        ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
        : null;

    public long? Number(string name)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }
        return value.ValueKind == JsonValueKind.String
            && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
    }

    public int? SmallNumber(string name) => Number(name) is { } number and >= int.MinValue and <= int.MaxValue ? (int)number : null;

    public bool? Flag(string name) => _values.TryGetValue(name, out var value) ? value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => bool.TryParse(value.GetString(), out var parsed) ? parsed : null,
        _ => null,
    } : null;

    /// <summary>A JSON value: an object or array as sent, or one parsed from a form field's text.</summary>
    public JsonElement? Element(string name)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            return value;
        }
        try
        {
            using var document = JsonDocument.Parse(value.GetString()!);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void SetString(string key, string value) => _values[key] = JsonSerializer.SerializeToElement(value);
}
