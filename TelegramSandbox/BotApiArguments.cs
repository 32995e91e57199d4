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
    private readonly Dictionary<string, UploadedFile> _files = new(StringComparer.Ordinal);

    /// <summary>Reads a call's parameters; a file part larger than <paramref name="maxFileBytes"/> is refused.</summary>
    public static async Task<BotApiArguments> ReadAsync(HttpRequest request, long maxFileBytes)
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
            foreach (var file in form.Files)
            {
                if (file.Length > maxFileBytes)
                {
                    throw new FileTooLargeException();
                }
                using var content = new MemoryStream((int)file.Length);
                await file.CopyToAsync(content, request.HttpContext.RequestAborted);
                arguments._files[file.Name] = new UploadedFile(file.FileName, file.ContentType, content.ToArray());
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

    /// <summary>
    /// A file sent with the call: the multipart part named <paramref name="name"/>, or the part an <c>attach://part</c>
    /// value names.
    /// </summary>
    public UploadedFile? File(string name)
    {
        if (_files.TryGetValue(name, out var file))
        {
            return file;
        }
        return Text(name) is { } text && text.StartsWith(AttachPrefix, StringComparison.Ordinal)
            && _files.TryGetValue(text[AttachPrefix.Length..], out var attached) ? attached : null;
    }

    /// <summary>Adds a file fetched on the bot's behalf (a URL given instead of an upload).</summary>
    public void AddFile(string name, UploadedFile file) => _files[name] = file;

    private const string AttachPrefix = "attach://";

    private void SetString(string key, string value) => _values[key] = JsonSerializer.SerializeToElement(value);
}

/// <summary>A file uploaded with a Bot API call.</summary>
public sealed record UploadedFile(string? FileName, string? ContentType, byte[] Content);

/// <summary>An upload above the sandbox's file size cap.</summary>
public sealed class FileTooLargeException : Exception
{
    public FileTooLargeException() : base("The file is larger than the sandbox accepts.")
    {
    }

    public FileTooLargeException(string message) : base(message)
    {
    }

    public FileTooLargeException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
