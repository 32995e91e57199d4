using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OmniChat.Api.Errors;
using OmniChat.Core.Identity;

namespace OmniChat.Api.OpenApi;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>: every v1 and v2 route with its credential, its problems and schemas
/// that say exactly what the Api reads and writes (docs/api.md has the rules).
/// </summary>
internal static class OpenApiDocumentSetup
{
    /// <summary>Security scheme names, as operations refer to them.</summary>
    public const string ConversationTokenScheme = "conversationToken";
    public const string ApiKeyScheme = "apiKey";
    public const string ServiceTokenScheme = "serviceToken";
    public const string TelegramSecretScheme = "telegramWebhookSecret";
    public const string BillingSignatureScheme = "billingSignature";
    public const string OperatorTokenScheme = "operatorToken";

    public const string ProblemSchema = "ProblemDetails";

    /// <summary>Every tag an operation may carry, in reference order, with what it groups.</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> Tags =
    [
        ("v1 widget", "The frozen v1 website-widget API of the `default` tenant: start a conversation, send and read messages with its conversation token."),
        ("v1 admin", "The legacy v1 admin API of the `default` tenant, with the service token."),
        ("v2 conversations", "Conversations of any tenant with a scoped API key: list, read, reply, claim, release, close, rename, notes."),
        ("v2 events", "The tenant's domain events as a resumable Server-Sent Events stream."),
        ("v2 realtime", "Tickets for the realtime WebSocket hub, and the browser origins allowed to open sockets."),
        ("v2 templates", "Message templates and their translations, with the locale fallback preview."),
        ("v2 webhooks", "Outgoing webhook subscriptions, their delivery log, redelivery and secret rotation."),
        ("v2 channels", "The tenant's channels: Telegram (bot, forum support group, webhook secret) and the website widget (site key, origins, theme, identity secret)."),
        ("v2 widget", "The website widget's own calls from visitors' browsers (docs/widget.md): site-key bootstrap behind the Origin allowlist, then the conversation token."),
        ("v2 API keys", "The tenant's API keys (scope `keys:manage`)."),
        ("v2 audit", "The audit log, exported as CSV or JSON Lines."),
        ("v2 stats", "The tenant dashboard's numbers: conversations, first-response times, failures, usage of the plan's limits."),
        ("v2 attachments", "Files in a conversation: uploads by the visitor (conversation token) and agents (API key), short-lived signed download links, and the download."),
        ("v2 tenant", "The tenant an API key belongs to."),
        ("Telegram", "Where Telegram delivers a connected bot's updates; called by Telegram only."),
        ("Billing", "Where the billing provider delivers its signed events (plan changes, payments); called by the provider only (docs/billing.md)."),
        ("health", "End-to-end health of one tenant's path, for the platform operator and the tenant's own monitoring."),
        ("operator", "The platform operator's changes to one tenant (operator token only)."),
    ];

    public static void Configure(OpenApiOptions options)
    {
        options.AddSchemaTransformer<SchemaContract>();
        OpenApiExamples.Configure(options);
        options.AddOperationTransformer<OperationContract>();
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "OmniChat API",
                Version = "v1+v2",
                Description = "Multitenant customer-support chat. **v1**: the frozen widget API of the `default` tenant (conversation tokens) " +
                              "and its legacy admin (service token). **v2**: any tenant, with scoped API keys (`Authorization: Bearer ock_…`). " +
                              "Errors are RFC 9457 problems (`application/problem+json`) with a stable `code`; fields the Api omits when " +
                              "empty are not `required`. Outgoing webhooks are under `webhooks`; the Server-Sent Events and WebSocket " +
                              "event payloads are the `x-omnichat-events` schemas. Guide: docs/api.md.",
            };
            // Relative to where the document is served (OpenAPI 3.1 §4.8.5): the same document for every deployment, and
            // the committed snapshot is byte for byte what the Api serves.
            document.Servers = [new OpenApiServer { Url = "/", Description = "The OmniChat Api that serves this document." }];
            var used = document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []).SelectMany(o => o.Tags?.AsEnumerable() ?? []).Select(t => t.Name);
            if (used.FirstOrDefault(name => !Tags.Any(t => t.Name == name)) is { } unknown)
            {
                throw new InvalidOperationException($"The tag '{unknown}' is not in OpenApiDocumentSetup.Tags: give it a description there.");
            }
            document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = SecuritySchemes();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas[ProblemSchema] = ProblemDetails();
            InlineConversationMetadata(document.Components.Schemas);
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer(EventDocumentation.TransformAsync);
    }

    // Conversation metadata (a JsonElement? in C#) would be a "JsonElement" component of no type: it is an object or null.
    private static void InlineConversationMetadata(IDictionary<string, IOpenApiSchema> schemas)
    {
        const string JsonElement = "JsonElement";
        foreach (var schema in schemas.Values.OfType<OpenApiSchema>())
        {
            foreach (var (name, property) in schema.Properties?.ToList() ?? [])
            {
                if (property.OneOf?.Any(s => s is OpenApiSchemaReference { Reference.Id: JsonElement }) == true)
                {
                    schema.Properties![name] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object | JsonSchemaType.Null,
                        // Any keys: without this a generated client types it as an object that can hold nothing.
                        AdditionalProperties = new OpenApiSchema(),
                        Description = "Free-form JSON object stored with the conversation (at most 4 KB).",
                    };
                }
            }
        }
        schemas.Remove(JsonElement);
    }

    private static Dictionary<string, IOpenApiSecurityScheme> SecuritySchemes() => new()
    {
        [ConversationTokenScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "The visitor's conversation token: `token` of `POST /v1/conversations` (or `POST /v2/conversations`), valid " +
                          "15 minutes for that one conversation. Renew it with the refresh token (`POST …/{id}/token`). " +
                          "Send `Authorization: Bearer <token>`.",
        },
        [ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "ock_<env>_<secret>",
            Description = "A tenant's API key (`ock_live_…`), shown once when it is created. Send `Authorization: Bearer ock_…`. " +
                          "Each operation lists the scope it needs as the role of its security requirement; a key without it gets " +
                          "403 `scope_missing`. Scopes: " + string.Join(", ", ApiScopes.All.Select(s => $"`{s}`")) + ".",
        },
        [ServiceTokenScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The legacy v1 admin credential of the `default` tenant (`SERVICE_TOKEN`). Send `Authorization: Bearer <SERVICE_TOKEN>`.",
        },
        [OperatorTokenScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The platform operator's token (`Security__OperatorToken`, never the service token). Send " +
                          "`Authorization: Bearer <operator token>`. Also the credential of the Workers' `/v2/operator/*` endpoints.",
        },
        [TelegramSecretScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Telegram-Bot-Api-Secret-Token",
            Description = "The channel's webhook secret, which OmniChat gives Telegram in `setWebhook`; Telegram sends it with every update.",
        },
        [BillingSignatureScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = Core.Billing.BillingWebhooks.SignatureHeader,
            Description = "The billing provider's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256(webhook secret, \"<t>.<raw body>\")>` " +
                          "(several `v1` while a secret rotates). A timestamp more than 5 minutes from now is refused (docs/billing.md).",
        },
    };

    private static OpenApiSchema ProblemDetails() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An RFC 9457 problem. `code` is stable: branch on it, never on `title` or `detail`.",
        Required = new HashSet<string> { "title", "status", "code", "requestId" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI reference that identifies the problem type." },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A short, human-readable summary." },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code." },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A human-readable explanation of this occurrence." },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request path." },
            ["code"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "The stable problem code:\n\n" + string.Join("\n", ProblemCodes.All.Select(c => $"- `{c.Code}` ({c.Status}): {c.Meaning}")),
                Enum = [.. ProblemCodes.All.Select(c => (JsonNode)JsonValue.Create(c.Code))],
            },
            ["requestId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request id (also the `X-Request-Id` header)." },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "With `validation_failed`: messages per field (request body field names, or parameter names).",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["scope"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "With `scope_missing`: the scope the key lacks." },
            ["scopes"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { Type = JsonSchemaType.String },
                Description = "With `scope_not_held` and `key_broader_than_caller`: the scopes in question.",
            },
            ["maxExpiresAt"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Format = "date-time",
                Description = "With `expiry_beyond_caller`: the latest expiry the caller may give.",
            },
            ["claimedBy"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String | JsonSchemaType.Null,
                Description = "With `not_claimed`: the agent holding the conversation (null: nobody).",
            },
            ["agent"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String | JsonSchemaType.Null,
                Description = "With `not_claimed`: the agent who tried to reply.",
            },
        },
    };
}
