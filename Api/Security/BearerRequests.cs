using Microsoft.Net.Http.Headers;

namespace OmniChat.Api.Security;

/// <summary>The Bearer credential of a request, for every Api credential (conversation tokens, API keys, the service token).</summary>
internal static class BearerRequests
{
    public static string? BearerToken(this HttpRequest request) => Core.Security.BearerToken.From(request.Headers[HeaderNames.Authorization].ToString());
}
