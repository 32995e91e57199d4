using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OmniChat.Core.Events;
using OmniChat.Core.Realtime;
using OmniChat.Core.Webhooks;

namespace OmniChat.Api.OpenApi;

/// <summary>
/// What OmniChat sends outside request/response: the outgoing webhooks (OpenAPI 3.1 <c>webhooks</c>, one per event type,
/// with the signature headers) and the event streams (<c>x-omnichat-events</c>: the Server-Sent Events of
/// <c>GET /v2/events</c> and the frames of the realtime sockets). Every schema is generated from the C# record the code
/// serialises (<see cref="WebhookEvents.Payloads"/>, <see cref="RealtimeFrames.All"/>, the outbox contracts), so the
/// document cannot drift from the wire.
/// </summary>
internal static class EventDocumentation
{
    public const string Extension = "x-omnichat-events";

    public static async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        await AddWebhooksAsync(document, context, cancellationToken);
        await AddEventStreamsAsync(document, context, cancellationToken);
    }

    private static async Task AddWebhooksAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Webhooks = new Dictionary<string, IOpenApiPathItem>(StringComparer.Ordinal);
        foreach (var (type, body, summary) in WebhookEvents.Payloads)
        {
            var name = Pascal(type) + "Webhook";
            var schema = await context.GetOrCreateSchemaAsync(body, null, cancellationToken);
            schema.Description = $"The body of a `{type}` delivery.";
            Fix(schema, "type", [type]);
            document.AddComponent(name, schema);
            document.Webhooks[type] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Post] = new()
                    {
                        OperationId = "Webhook" + Pascal(type),
                        Summary = summary,
                        Description = "OmniChat POSTs this JSON body to each enabled subscription asking for `" + type + "`. Verify " +
                                      "`OmniChat-Signature` over the raw body before trusting it, deduplicate on `OmniChat-Event-Id` " +
                                      "(a delivery may come more than once), and answer 2xx quickly. Order per conversation follows " +
                                      "`seq`. See docs/api.md#webhooks.",
                        Tags = new HashSet<OpenApiTagReference> { new("v2 webhooks", document) },
                        Security = [],
                        Parameters =
                        [
                            Header(WebhookSigning.SignatureHeader, "`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>`, " +
                                "with a second `v1=` (the previous secret) while a rotation overlaps. Reject a `t` older than 5 minutes."),
                            Header(WebhookSigning.EventIdHeader, "The event id (the body's `id`), the same on every attempt: deduplicate on it.", "uuid"),
                        ],
                        RequestBody = new OpenApiRequestBody
                        {
                            Required = true,
                            Content = new Dictionary<string, OpenApiMediaType>
                            {
                                ["application/json"] = new() { Schema = new OpenApiSchemaReference(name, document) },
                            },
                        },
                        Responses = new OpenApiResponses
                        {
                            ["2XX"] = new OpenApiResponse { Description = "Received: the delivery is done." },
                            ["4XX"] = new OpenApiResponse { Description = "Not received: retried with backoff until the retry window ends, then dead-lettered (redeliver it from the delivery log)." },
                            ["5XX"] = new OpenApiResponse { Description = "Not received: retried like a 4xx; so is no answer within the timeout." },
                        },
                    },
                },
            };
        }
    }

    private static async Task AddEventStreamsAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var contracts = new JsonObject();
        var wireTypes = RealtimeFrames.EventContracts.Select(c => (JsonNode)JsonValue.Create(TenantEventLog.WireType(c.Name))).ToList();
        foreach (var contract in RealtimeFrames.EventContracts)
        {
            var name = contract.Name + "Event";
            var schema = await context.GetOrCreateSchemaAsync(contract, null, cancellationToken);
            schema.Description = $"`{TenantEventLog.WireType(contract.Name)}`: the `data` of the Server-Sent Event and of the agent socket's `event` frame.";
            document.AddComponent(name, schema);
            contracts[TenantEventLog.WireType(contract.Name)] = Ref(name);
        }
        DescribeServerSentEvents(document, wireTypes);

        // Frames are inline here (they belong to no operation of this document); what they share with the Server-Sent
        // Events (the event contracts) is referenced.
        var sockets = new JsonObject();
        foreach (var socket in RealtimeFrames.All.GroupBy(f => f.Socket))
        {
            var frames = new JsonObject();
            foreach (var frame in socket)
            {
                var schema = await context.GetOrCreateSchemaAsync(frame.Frame, null, cancellationToken);
                Fix(schema, "type", frame.Type is null ? [] : [frame.Type]);
                if (frame.Frame == typeof(AgentEventFrame) && schema.Properties is { } properties)
                {
                    properties["event"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = wireTypes, Description = "The event's wire type: `data` is its contract." };
                    properties["data"] = EventContracts(document, "The event, as `GET /v2/events` sends it.");
                }
                frames[frame.Type ?? RealtimeEvent.Message] = new JsonObject { ["summary"] = frame.Summary, ["schema"] = Json(schema) };
            }
            sockets[socket.Key] = frames;
        }
        var client = await context.GetOrCreateSchemaAsync(typeof(RealtimeClientFrame), null, cancellationToken);
        Fix(client, "type", ["resume", "typing", "read"]);

        var extension = new JsonObject
        {
            ["description"] = "The event streams, whose payloads are not request/response bodies. Server-Sent Events: each event of " +
                              "`GET /v2/events` has `id:` (the resume cursor for `Last-Event-ID`), `event:` (a key of `serverSentEvents`) " +
                              "and `data:` (one line of JSON, the schema of that key). WebSockets: every text frame the hub sends on a " +
                              "socket is one JSON object, the schema of its `type` under that socket (a v1 message has no `type`); " +
                              "`clientFrames` is what a client may send. Guide: docs/api.md#event-streams.",
            ["serverSentEvents"] = contracts,
            ["webSockets"] = sockets,
            ["clientFrames"] = new JsonObject { ["summary"] = "v2 widget: `resume` (`afterSeq`), `typing`, `read` (`seq`); agent stream: `resume` (`after`).", ["schema"] = Json(client) },
        };
        document.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        document.Extensions[Extension] = new JsonNodeExtension(extension);
    }

    // The stream is text; its schema shows one event as its fields, so a reader (and a generated client) sees every
    // event type and its data.
    private static void DescribeServerSentEvents(OpenApiDocument document, List<JsonNode> wireTypes)
    {
        if (document.Paths.TryGetValue("/v2/events", out var path) && path.Operations?.TryGetValue(HttpMethod.Get, out var get) == true
            && get.Responses?.TryGetValue("200", out var ok) == true && ok.Content?.TryGetValue("text/event-stream", out var media) == true)
        {
            media.Schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "One Server-Sent Event of the stream, as its fields (`id:`, `event:`, `data:` lines; the stream also sends " +
                              "`retry:` and `: keep-alive` comments). `data` is one line of JSON: the contract named by `event` " +
                              "(x-omnichat-events.serverSentEvents).",
                Required = new HashSet<string> { "id", "event", "data" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The resume cursor: send it back as `Last-Event-ID`." },
                    ["event"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = wireTypes, Description = "The event type." },
                    ["data"] = EventContracts(document, "The event."),
                },
            };
        }
    }

    private static OpenApiSchema EventContracts(OpenApiDocument document, string description) => new()
    {
        AnyOf = [.. RealtimeFrames.EventContracts.Select(c => (IOpenApiSchema)new OpenApiSchemaReference(c.Name + "Event", document))],
        Description = description,
    };

    private static JsonNode Json(OpenApiSchema schema)
    {
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        schema.SerializeAsV31(new OpenApiJsonWriter(text));
        return JsonNode.Parse(text.ToString())!;
    }

    private static JsonObject Ref(string component) => new() { ["$ref"] = "#/components/schemas/" + component };

    // A `type` discriminator holds one of the values the code writes, never any string.
    private static void Fix(OpenApiSchema schema, string property, IReadOnlyList<string> values)
    {
        if (values.Count > 0 && schema.Properties?.TryGetValue(property, out var existing) == true && existing is OpenApiSchema concrete)
        {
            concrete.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
        }
    }

    private static OpenApiParameter Header(string name, string description, string? format = null) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Required = true,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = format },
    };

    // message.added → MessageAdded
    private static string Pascal(string wireType) =>
        string.Concat(wireType.Split('.').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
}
