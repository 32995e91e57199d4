using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace OmniChat.TestKit.Contract;

/// <summary>
/// An OpenAPI 3.1 document as a checker of HTTP exchanges: which operation a request is, whether its body, query and
/// path match the operation, and whether the answer is a declared status with a declared media type, a body that
/// validates against the declared JSON Schema (JsonSchema.Net, formats asserted) and the declared required headers.
/// </summary>
public sealed partial class OpenApiContract
{
    private const string ComponentsUri = "https://contract.omnichat.test/components";

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly List<Operation> _operations = [];
    private readonly List<(string Name, List<JsonElement> Examples)> _examples = [];
    private readonly BuildOptions _build = new() { SchemaRegistry = new SchemaRegistry() };
    private readonly Dictionary<string, (JsonElement Schema, List<string> Headers)> _webhooks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonElement> _serverSentEvents = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Socket, string Type), JsonElement> _frames = [];
    private readonly Dictionary<string, JsonSchema> _built = new(StringComparer.Ordinal);
    private int _schemaCount;

    private OpenApiContract(JsonElement document)
    {
        var components = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = ComponentsUri,
            ["$defs"] = document.TryGetProperty("components", out var c) && c.TryGetProperty("schemas", out var schemas)
                ? JsonNode.Parse(schemas.GetRawText())
                : new JsonObject(),
        };
        JsonSchema.Build(Json(components.ToJsonString()), _build, new Uri(ComponentsUri));
        foreach (var schema in components["$defs"]!.AsObject())
        {
            if (schema.Value?["examples"] is JsonArray examples)
            {
                _examples.Add((schema.Key, [.. examples.Select(e => Json(e!.ToJsonString()))]));
            }
        }

        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                _operations.Add(new Operation(this, method.Name.ToUpperInvariant(), path.Name, method.Value));
            }
        }
        foreach (var webhook in document.TryGetProperty("webhooks", out var webhooks) ? webhooks.EnumerateObject() : default)
        {
            var post = webhook.Value.GetProperty("post");
            var headers = post.TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "header" && p.TryGetProperty("required", out var r) && r.GetBoolean())
                    .Select(p => p.GetProperty("name").GetString()!).ToList()
                : [];
            _webhooks[webhook.Name] = (post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"), headers);
        }
        if (document.TryGetProperty("x-omnichat-events", out var events))
        {
            foreach (var sse in events.GetProperty("serverSentEvents").EnumerateObject())
            {
                _serverSentEvents[sse.Name] = sse.Value;
            }
            foreach (var socket in events.GetProperty("webSockets").EnumerateObject())
            {
                foreach (var frame in socket.Value.EnumerateObject())
                {
                    _frames[(socket.Name, frame.Name)] = frame.Value.GetProperty("schema");
                }
            }
        }

        // Literal segments win over parameters: /v2/webhooks/dead-letters before /v2/webhooks/{id}.
        _operations.Sort((a, b) => a.ParameterCount.CompareTo(b.ParameterCount));
    }

    /// <summary>Reads an OpenAPI document (JSON).</summary>
    public static OpenApiContract Parse(string documentJson)
    {
        // Component references become references into one JSON Schema document of $defs.
        var rewritten = documentJson.Replace("\"#/components/schemas/", $"\"{ComponentsUri}#/$defs/", StringComparison.Ordinal);
        using var document = JsonDocument.Parse(rewritten);
        return new OpenApiContract(document.RootElement.Clone());
    }

    /// <summary>Every <c>examples</c> entry of a component schema that fails its own schema.</summary>
    public IReadOnlyList<string> CheckSchemaExamples()
    {
        var violations = new List<string>();
        foreach (var (name, examples) in _examples)
        {
            var schema = JsonSchema.Build(Json($$"""{"$ref":"{{ComponentsUri}}#/$defs/{{name}}"}"""), _build,
                new Uri($"https://contract.omnichat.test/example/{name}"));
            foreach (var example in examples)
            {
                violations.AddRange(Violations(schema, example, $"example of {name}"));
            }
        }
        return violations;
    }

    /// <summary>The event types the document has a <c>webhooks</c> entry for.</summary>
    public IReadOnlyCollection<string> WebhookTypes => _webhooks.Keys;

    /// <summary>
    /// The ways a webhook delivery breaks the document's <c>webhooks</c> entry for <paramref name="eventType"/>: its body
    /// against the request body schema, and the required headers (<paramref name="hasHeader"/>).
    /// </summary>
    public IReadOnlyList<string> CheckWebhook(string eventType, string body, Func<string, bool> hasHeader)
    {
        ArgumentNullException.ThrowIfNull(hasHeader);
        if (!_webhooks.TryGetValue(eventType, out var webhook))
        {
            return [$"webhook '{eventType}' is not in the document's webhooks"];
        }
        return [.. webhook.Headers.Where(h => !hasHeader(h)).Select(h => $"webhook '{eventType}': required header '{h}' is missing"),
            .. Violations(Built(webhook.Schema), Json(body), $"webhook '{eventType}' body")];
    }

    /// <summary>The ways the <c>data</c> of a Server-Sent Event of <c>GET /v2/events</c> breaks <c>x-omnichat-events.serverSentEvents</c>.</summary>
    public IReadOnlyList<string> CheckServerSentEvent(string eventType, string data) =>
        _serverSentEvents.TryGetValue(eventType, out var schema)
            ? [.. Violations(Built(schema), Json(data), $"server-sent event '{eventType}' data")]
            : [$"server-sent event '{eventType}' is not in x-omnichat-events.serverSentEvents"];

    /// <summary>
    /// The ways a WebSocket frame the hub sent on <paramref name="socket"/> (<c>/ws</c>, <c>/v2/ws</c>, <c>/v2/agents/ws</c>)
    /// breaks <c>x-omnichat-events.webSockets</c>: the schema of its <c>type</c> (a frame without one is a v1 message).
    /// </summary>
    public IReadOnlyList<string> CheckFrame(string socket, string frame)
    {
        var json = Json(frame);
        var type = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()!
            : "message";
        return _frames.TryGetValue((socket, type), out var schema)
            ? [.. Violations(Built(schema), json, $"{socket} frame '{type}'")]
            : [$"{socket} frame '{type}' is not in x-omnichat-events.webSockets"];
    }

    private JsonSchema Built(JsonElement schema)
    {
        var text = schema.GetRawText();
        lock (_built)
        {
            if (!_built.TryGetValue(text, out var built))
            {
                built = _built[text] = Schema(schema);
            }
            return built;
        }
    }

    /// <summary>The operation a request is, or null when the document has no such path and method.</summary>
    public string? OperationOf(HttpMethod method, Uri uri) => Find(method, uri)?.Name;

    /// <summary>
    /// The ways an exchange breaks the document (empty when it keeps it). Request faults count only when the Api accepted
    /// the request (2xx): a test that sends a bad request on purpose expects a problem, which is checked like any answer.
    /// Exchanges of paths the document does not describe are not checked here (OpenApiDocumentShould covers the routes).
    /// </summary>
    public IReadOnlyList<string> Check(HttpMethod method, Uri uri, string? requestContentType, string? requestBody, int status,
        string? responseContentType, string? responseBody, Func<string, bool> hasResponseHeader)
    {
        ArgumentNullException.ThrowIfNull(hasResponseHeader);
        var operation = Find(method, uri);
        if (operation is null)
        {
            return [];
        }
        var violations = new List<string>();
        if (status is >= 200 and < 300)
        {
            violations.AddRange(operation.CheckRequest(uri, requestContentType, requestBody));
        }
        violations.AddRange(operation.CheckResponse(status, responseContentType, responseBody, hasResponseHeader));
        return [.. violations.Select(v => $"{method} {uri.AbsolutePath} ({operation.Name}) → {status}: {v}")];
    }

    private Operation? Find(HttpMethod method, Uri uri)
    {
        var path = uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString.Split('?')[0];
        return _operations.FirstOrDefault(o => o.Method == method.Method && o.Matches(path));
    }

    private JsonSchema Schema(JsonElement schema) =>
        JsonSchema.Build(schema, _build, new Uri($"https://contract.omnichat.test/schema/{Interlocked.Increment(ref _schemaCount)}"));

    private static IEnumerable<string> Violations(JsonSchema schema, JsonElement instance, string what)
    {
        var result = schema.Evaluate(instance, Evaluation);
        if (result.IsValid)
        {
            yield break;
        }
        foreach (var detail in result.Details ?? [])
        {
            foreach (var (keyword, message) in detail.Errors ?? [])
            {
                yield return $"{what} {(detail.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {keyword}: {message}";
            }
        }
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string MediaType(string? contentType) => (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();

    private static bool IsJson(string mediaType) => mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal);

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex PathParameter();

    private sealed class Operation
    {
        private readonly OpenApiContract _contract;
        private readonly Regex _path;
        private readonly Dictionary<string, JsonElement> _pathParameters = new(StringComparer.Ordinal);
        private readonly Dictionary<string, JsonElement> _queryParameters = new(StringComparer.Ordinal);
        private readonly JsonElement? _requestBody;
        private readonly Dictionary<string, JsonElement> _responses = new(StringComparer.Ordinal);
        private readonly Dictionary<string, JsonSchema> _schemas = [];

        public Operation(OpenApiContract contract, string method, string path, JsonElement operation)
        {
            _contract = contract;
            Method = method;
            Name = operation.TryGetProperty("operationId", out var id) ? id.GetString()! : $"{method} {path}";
            ParameterCount = PathParameter().Count(path);
            _path = new Regex("^" + PathParameter().Replace(Regex.Escape(path).Replace(@"\{", "{", StringComparison.Ordinal), m => $"(?<{m.Groups[1].Value}>[^/]+)") + "/?$");
            foreach (var parameter in operation.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateArray() : default)
            {
                var name = parameter.GetProperty("name").GetString()!;
                var schema = parameter.TryGetProperty("schema", out var s) ? s : default;
                switch (parameter.GetProperty("in").GetString())
                {
                    case "path": _pathParameters[name] = schema; break;
                    case "query": _queryParameters[name] = schema; break;
                }
            }
            _requestBody = operation.TryGetProperty("requestBody", out var body) ? body : null;
            foreach (var response in operation.GetProperty("responses").EnumerateObject())
            {
                _responses[response.Name] = response.Value;
            }
        }

        public string Method { get; }

        public string Name { get; }

        public int ParameterCount { get; }

        // A path parameter that breaks its schema (a non-uuid where a uuid goes) is another route, as for the router.
        public bool Matches(string path)
        {
            var match = _path.Match(path);
            return match.Success && _pathParameters.All(p =>
                match.Groups[p.Key].Success && Violations(SchemaOf(p.Value), Scalar(Uri.UnescapeDataString(match.Groups[p.Key].Value), p.Value), "").Any() is false);
        }

        public IEnumerable<string> CheckRequest(Uri uri, string? contentType, string? body)
        {
            var query = uri.IsAbsoluteUri ? uri.Query : (uri.OriginalString.Split('?', 2) is [_, var q] ? "?" + q : "");
            foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var (name, value) = pair.Split('=', 2) is [var n, var v] ? (Uri.UnescapeDataString(n), Uri.UnescapeDataString(v.Replace('+', ' '))) : (Uri.UnescapeDataString(pair), "");
                // A parameter the operation does not declare is ignored by the Api, as OpenAPI allows.
                if (!_queryParameters.TryGetValue(name, out var schema))
                {
                    continue;
                }
                foreach (var violation in Violations(SchemaOf(schema), Scalar(value, schema), $"query parameter '{name}'"))
                {
                    yield return violation;
                }
            }

            var mediaType = MediaType(contentType);
            if (_requestBody is not { } declared)
            {
                if (!string.IsNullOrEmpty(body))
                {
                    yield return "a request body was accepted, but the operation declares none";
                }
                yield break;
            }
            if (string.IsNullOrEmpty(body))
            {
                if (declared.TryGetProperty("required", out var required) && required.GetBoolean())
                {
                    yield return "the request body is required, yet a request without one was accepted";
                }
                yield break;
            }
            if (!declared.GetProperty("content").TryGetProperty(mediaType, out var media))
            {
                yield return $"request media type '{mediaType}' is not declared";
                yield break;
            }
            if (IsJson(mediaType) && media.TryGetProperty("schema", out var bodySchema))
            {
                foreach (var v in Violations(SchemaOf(bodySchema), Json(body), "request body"))
                {
                    yield return v;
                }
            }
        }

        public IEnumerable<string> CheckResponse(int status, string? contentType, string? body, Func<string, bool> hasHeader)
        {
            var key = status.ToString(CultureInfo.InvariantCulture);
            if (!_responses.TryGetValue(key, out var response) && !_responses.TryGetValue($"{key[0]}XX", out response)
                && !_responses.TryGetValue("default", out response))
            {
                yield return $"status {status} is not declared (declared: {string.Join(", ", _responses.Keys)})";
                yield break;
            }
            foreach (var header in response.TryGetProperty("headers", out var headers) ? headers.EnumerateObject() : default)
            {
                if (header.Value.TryGetProperty("required", out var required) && required.GetBoolean() && !hasHeader(header.Name))
                {
                    yield return $"required header '{header.Name}' is missing";
                }
            }

            var mediaType = MediaType(contentType);
            var hasContent = response.TryGetProperty("content", out var content);
            if (mediaType.Length == 0)
            {
                if (hasContent && !string.IsNullOrEmpty(body))
                {
                    yield return "the answer has a body but no Content-Type";
                }
                yield break;
            }
            // A declared media range (image/*, */*) covers the types in it, as OpenAPI says.
            if (!hasContent || !(content.TryGetProperty(mediaType, out var media)
                || content.TryGetProperty(mediaType.Split('/')[0] + "/*", out media) || content.TryGetProperty("*/*", out media)))
            {
                yield return $"media type '{mediaType}' is not declared for {status}"
                    + (hasContent ? $" (declared: {string.Join(", ", content.EnumerateObject().Select(m => m.Name))})" : " (no content declared)");
                yield break;
            }
            if (IsJson(mediaType) && body is not null && media.TryGetProperty("schema", out var schema))
            {
                foreach (var v in Violations(SchemaOf(schema), Json(body), "response body"))
                {
                    yield return v;
                }
            }
        }

        private JsonSchema SchemaOf(JsonElement schema)
        {
            if (schema.ValueKind == JsonValueKind.Undefined)
            {
                return JsonSchema.True;
            }
            var text = schema.GetRawText();
            if (!_schemas.TryGetValue(text, out var built))
            {
                built = _schemas[text] = _contract.Schema(schema);
            }
            return built;
        }

        // A path or query value as the JSON value its schema expects (integers and booleans are not strings on the wire).
        private static JsonElement Scalar(string value, JsonElement schema)
        {
            var type = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var t) ? t.ToString() : "";
            if (type.Contains("integer", StringComparison.Ordinal) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            {
                return JsonSerializer.SerializeToElement(integer);
            }
            if (type.Contains("number", StringComparison.Ordinal) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return JsonSerializer.SerializeToElement(number);
            }
            if (type.Contains("boolean", StringComparison.Ordinal) && value is "true" or "false")
            {
                return Json(value);
            }
            return JsonSerializer.SerializeToElement(value);
        }
    }
}
