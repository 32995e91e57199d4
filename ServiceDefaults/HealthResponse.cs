using System.Text.Json.Serialization;

namespace OmniChat.ServiceDefaults;

/// <summary>The body of <c>/health</c> and <c>/ready</c>: overall status and the state of each check.</summary>
public sealed record HealthResponse(string Status, IReadOnlyDictionary<string, string> Checks);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
