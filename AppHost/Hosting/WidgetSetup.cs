using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace OmniChat.AppHost.Hosting;

/// <summary>
/// Sets up a seeded tenant's website widget through the Api's own <c>PUT /v2/channels/widget</c>, as a tenant would. The
/// identity secret is shown once, so it is kept in the AppHost's secrets; a secret the Api no longer knows (a new
/// database) is rotated again.
/// </summary>
internal sealed class WidgetSetup(Uri api)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<CredentialWidget> ConfigureAsync(CredentialTenant tenant, TenantSecrets secrets, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        var channel = await PutAsync(http, new { }, tenant, cancellationToken);
        var hint = channel.TryGetProperty("identitySecretHint", out var h) ? h.GetString() : null;
        if (secrets.WidgetIdentitySecret is not { } secret || hint != "…" + secret[^4..])
        {
            channel = await PutAsync(http, new { rotateIdentitySecret = true }, tenant, cancellationToken);
            secrets.WidgetIdentitySecret = channel.GetProperty("identitySecret").GetString()!;
        }
        return new CredentialWidget(channel.GetProperty("siteKey").GetString()!, secrets.WidgetIdentitySecret);
    }

    private static async Task<JsonElement> PutAsync(HttpClient http, object body, CredentialTenant tenant, CancellationToken cancellationToken)
    {
        using var response = await http.PutAsJsonAsync("/v2/channels/widget", body, Json, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"Could not set up the widget of tenant '{tenant.Identifier}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
    }
}
