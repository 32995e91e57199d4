namespace OmniChat.TestKit.Contract;

/// <summary>
/// Checks every exchange of a test <see cref="HttpClient"/> against the Api's OpenAPI document and throws
/// <see cref="OpenApiContractViolationException"/> when the request (if the Api accepted it) or the answer breaks it, so the test
/// that sent it fails. Streams (Server-Sent Events, CSV, JSON Lines) are checked by status and media type only; their
/// bodies are left unread for the test.
/// </summary>
public sealed class ContractValidatingHandler(Func<CancellationToken, Task<OpenApiContract>> contract, HttpMessageHandler inner)
    : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var document = await contract(cancellationToken);
        string? requestBody = null;
        if (request.Content is { } content)
        {
            // Buffered first, so the request still sends it.
            await content.LoadIntoBufferAsync(cancellationToken);
            requestBody = await content.ReadAsStringAsync(cancellationToken);
        }

        var response = await base.SendAsync(request, cancellationToken);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        string? responseBody = null;
        if (mediaType is not null && (mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal)))
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            responseBody = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        else if (mediaType is null && response.Content.Headers.ContentLength is > 0)
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            responseBody = await response.Content.ReadAsStringAsync(cancellationToken);
        }

        var violations = document.Check(request.Method, request.RequestUri!, request.Content?.Headers.ContentType?.ToString(), requestBody,
            (int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), responseBody,
            header => response.Headers.Contains(header) || response.Content.Headers.Contains(header));
        if (violations.Count > 0)
        {
            response.Dispose();
            throw new OpenApiContractViolationException(violations, responseBody);
        }
        return response;
    }
}

/// <summary>An exchange that breaks the OpenAPI document.</summary>
public sealed class OpenApiContractViolationException : Exception
{
    public OpenApiContractViolationException(IReadOnlyList<string> violations, string? responseBody)
        : base("The exchange breaks the OpenAPI document:\n  " + string.Join("\n  ", violations ?? [])
            + (responseBody is null ? "" : $"\nResponse body: {(responseBody.Length > 2000 ? responseBody[..2000] + "…" : responseBody)}"))
    {
        Violations = violations ?? [];
    }

    public OpenApiContractViolationException()
    {
        Violations = [];
    }

    public OpenApiContractViolationException(string message) : base(message)
    {
        Violations = [message];
    }

    public OpenApiContractViolationException(string message, Exception innerException) : base(message, innerException)
    {
        Violations = [message];
    }

    public IReadOnlyList<string> Violations { get; }
}

/// <summary>The live document of a running Api, fetched once and shared by every validating client of a fixture.</summary>
public sealed class LiveOpenApiContract(Uri apiBaseAddress)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Json, OpenApiContract Contract)? _document;

    /// <summary>The document, fetched from <c>/openapi/v1.json</c> on first use.</summary>
    public async Task<OpenApiContract> GetAsync(CancellationToken cancellationToken) => (await LoadAsync(cancellationToken)).Contract;

    /// <summary>The document's JSON as the Api serves it.</summary>
    public async Task<string> GetJsonAsync(CancellationToken cancellationToken) => (await LoadAsync(cancellationToken)).Json;

    private async Task<(string Json, OpenApiContract Contract)> LoadAsync(CancellationToken cancellationToken)
    {
        if (_document is { } known)
        {
            return known;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_document is null)
            {
                using var client = new HttpClient { BaseAddress = apiBaseAddress };
                var json = await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), cancellationToken);
                _document = (json, OpenApiContract.Parse(json));
            }
            return _document.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>An <see cref="HttpClient"/> on the Api whose every exchange is checked against the document.</summary>
    public HttpClient CreateClient(HttpMessageHandler? inner = null) =>
        new(new ContractValidatingHandler(GetAsync, inner ?? new SocketsHttpHandler())) { BaseAddress = apiBaseAddress };
}
