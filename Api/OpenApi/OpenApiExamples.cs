using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using OmniChat.Api.Conversations;
using OmniChat.Api.Endpoints;

namespace OmniChat.Api.OpenApi;

/// <summary>Examples on the request and response schemas of the OpenAPI document.</summary>
internal static class OpenApiExamples
{
    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(StartConversationRequest)] = """{"name":"Ann","locale":"pt-BR","metadata":{"page":"/pricing"}}""",
        [typeof(V2StartConversationRequest)] = """{"name":"Order #1042","locale":"en","customer":{"externalId":"crm-4711","displayName":"Ann Smith"}}""",
        [typeof(StartConversationResponse)] = """{"conversationId":"01a20a0d-ddc4-7b7f-a195-14036c4d96d1","token":"eyJhbGciOiJIUzI1NiIs…","refreshToken":"k-Y8Gua5EkG8_snUAHEsWNyqCHDu4P_UKAGNYliXs4U","expiresIn":900}""",
        [typeof(RefreshTokenRequest)] = """{"refreshToken":"k-Y8Gua5EkG8_snUAHEsWNyqCHDu4P_UKAGNYliXs4U"}""",
        [typeof(SendMessageRequest)] = """{"text":"Hello, I need help with my order","clientMessageId":"7f9c2e0a-1111-4111-8111-111111111111"}""",
        [typeof(AgentReplyRequest)] = """{"agent":"bob","text":"Happy to help! What is the order number?"}""",
        [typeof(MessageResponse)] = """{"id":"01a20a0d-e15b-7fd0-bd87-d1d9d5bec904","seq":1,"direction":"INBOUND","text":"Hello","createdAt":"2026-11-23T20:16:51.547569+00:00"}""",
        [typeof(ClaimRequest)] = """{"agent":"bob"}""",
        [typeof(RenameRequest)] = """{"name":"Order #1042"}""",
        [typeof(AddNoteRequest)] = """{"key":"offline"}""",
        [typeof(PutTranslationRequest)] = """{"text":"Olá! Como podemos ajudar?"}""",
        [typeof(CreateApiKeyRequest)] = """{"name":"CRM sync","scopes":["conversations:read"],"expiresAt":"2027-01-01T00:00:00Z"}""",
    };

    public static void Configure(OpenApiOptions options) =>
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (Examples.TryGetValue(context.JsonTypeInfo.Type, out var example))
            {
                schema.Examples = [JsonNode.Parse(example)!];
            }
            return Task.CompletedTask;
        });
}
