using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OmniChat.Api.Errors;
using OmniChat.Api.Security;

namespace OmniChat.Api.OpenApi;

/// <summary>
/// Completes each operation from its endpoint's metadata: the security requirement of its credential, every problem it
/// can answer (implied by the credential, the body, the parameters and the rate limiter, plus the endpoint's own
/// <see cref="ProblemCodesMetadata"/>), and a plain-object request body. An operation without a summary or without a
/// declared credential stops the document from being built: it is a bug, not a gap to publish.
/// </summary>
internal sealed class OperationContract : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var route = $"{description.HttpMethod} /{description.RelativePath}";
        var metadata = description.ActionDescriptor.EndpointMetadata;
        if (string.IsNullOrWhiteSpace(operation.Summary))
        {
            throw new InvalidOperationException($"{route} has no summary: add .WithSummary(…) to its endpoint.");
        }

        var problems = new List<ProblemCode>();
        operation.Security = [.. Security(route, metadata, context.Document!, problems)];
        var path = "/" + description.RelativePath;
        if (path.StartsWith("/v1/", StringComparison.Ordinal) || path.StartsWith("/v2/", StringComparison.Ordinal)
            || path.StartsWith("/attachments/", StringComparison.Ordinal))
        {
            problems.Add(ProblemCodes.RateLimited);
        }
        problems.Add(ProblemCodes.TenantSuspended);

        var body = description.ParameterDescriptions.FirstOrDefault(p => p.Source == BindingSource.Body);
        if (body is not null)
        {
            problems.AddRange([ProblemCodes.PayloadTooLarge, ProblemCodes.UnsupportedMediaType]);
            // Accepts<object> declares a body the handler reads as raw bytes: no JSON binding, no field rules.
            if (body.Type != typeof(object))
            {
                problems.AddRange([ProblemCodes.InvalidJson, ProblemCodes.ValidationFailed, ProblemCodes.BadRequest]);
                PlainBody(operation, body.Type);
            }
        }
        if (description.ParameterDescriptions.Any(p => p.Source != BindingSource.Body && p.Type != typeof(Guid)))
        {
            problems.AddRange([ProblemCodes.ValidationFailed, ProblemCodes.BadRequest]);
        }
        foreach (var own in metadata.OfType<ProblemCodesMetadata>())
        {
            problems.AddRange(own.Codes);
        }

        operation.Responses ??= [];
        foreach (var status in problems.DistinctBy(p => p.Code).GroupBy(p => p.Status).OrderBy(g => g.Key))
        {
            operation.Responses[status.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = ProblemResponse(status.Key, [.. status], context.Document!);
        }
        DescribeUntypedContent(operation, metadata);
        if (metadata.OfType<FileUploadMetadata>().LastOrDefault() is { } upload)
        {
            operation.RequestBody = FileUploadBody(upload.PartName);
        }
        // The file's own type, whatever it is: a media range (ASP.NET Core's Produces takes no wildcard).
        if (metadata.OfType<FileDownloadMetadata>().Any() && operation.Responses.TryGetValue("200", out var file) && file is OpenApiResponse fileResponse)
        {
            fileResponse.Description = "The file, as its stored (sniffed) `Content-Type`.";
            fileResponse.Content = new Dictionary<string, OpenApiMediaType>
            {
                ["*/*"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
            };
        }
        return Task.CompletedTask;
    }

    // multipart/form-data with one required binary part.
    private static OpenApiRequestBody FileUploadBody(string partName) => new()
    {
        Required = true,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { partName },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        [partName] = new OpenApiSchema
                        {
                            Type = JsonSchemaType.String, Format = "binary",
                            Description = "The file, with its name (`filename`) and type (`Content-Type`) in the part's headers.",
                        },
                    },
                },
            },
        },
    };

    private static List<OpenApiSecurityRequirement> Security(string route, IList<object> metadata, OpenApiDocument document, List<ProblemCode> problems)
    {
        var scopes = metadata.OfType<RequiredScopeMetadata>().Select(s => s.Scope).ToList();
        if (scopes.Count > 0)
        {
            problems.AddRange([ProblemCodes.Unauthorized, ProblemCodes.ScopeMissing]);
            return [Requirement(OpenApiDocumentSetup.ApiKeyScheme, document, scopes)];
        }
        if (metadata.OfType<ServiceTokenMetadata>().Any())
        {
            problems.Add(ProblemCodes.InvalidServiceToken);
            return [Requirement(OpenApiDocumentSetup.ServiceTokenScheme, document, [])];
        }
        var declared = metadata.OfType<CredentialMetadata>().LastOrDefault()
            ?? throw new InvalidOperationException($"{route} declares no credential: add RequireScope, RequireServiceToken or WithCredential(…) to its endpoint.");
        // Alternatives: one requirement each (any one satisfies the operation); none at all means public.
        var requirements = new List<OpenApiSecurityRequirement>();
        foreach (var credential in declared.Credentials)
        {
            switch (credential)
            {
                case Credential.ConversationToken:
                    problems.Add(ProblemCodes.InvalidToken);
                    requirements.Add(Requirement(OpenApiDocumentSetup.ConversationTokenScheme, document, []));
                    break;
                case Credential.ApiKey:
                    problems.Add(ProblemCodes.Unauthorized);
                    requirements.Add(Requirement(OpenApiDocumentSetup.ApiKeyScheme, document, []));
                    break;
                case Credential.OperatorToken:
                    problems.Add(ProblemCodes.Unauthorized);
                    requirements.Add(Requirement(OpenApiDocumentSetup.OperatorTokenScheme, document, []));
                    break;
                case Credential.TelegramWebhookSecret:
                    problems.Add(ProblemCodes.TelegramSecretInvalid);
                    requirements.Add(Requirement(OpenApiDocumentSetup.TelegramSecretScheme, document, []));
                    break;
                case Credential.BillingSignature:
                    problems.AddRange([ProblemCodes.BillingSignatureInvalid, ProblemCodes.BillingSignatureStale]);
                    requirements.Add(Requirement(OpenApiDocumentSetup.BillingSignatureScheme, document, []));
                    break;
                case Credential.RefreshToken:
                    problems.AddRange([ProblemCodes.InvalidRefreshToken, ProblemCodes.RefreshTokenReused]);
                    break;
            }
        }
        return requirements;
    }

    private static OpenApiSecurityRequirement Requirement(string scheme, OpenApiDocument document, List<string> roles) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = roles };

    private static OpenApiResponse ProblemResponse(int status, IReadOnlyList<ProblemCode> codes, OpenApiDocument document)
    {
        var response = new OpenApiResponse
        {
            Description = string.Join("\n", codes.Select(c => $"`{c.Code}`: {c.Meaning}")),
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        AllOf =
                        [
                            new OpenApiSchemaReference(OpenApiDocumentSetup.ProblemSchema, document),
                            new OpenApiSchema
                            {
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    ["code"] = new OpenApiSchema
                                    {
                                        Type = JsonSchemaType.String,
                                        Enum = [.. codes.Select(c => (JsonNode)JsonValue.Create(c.Code))],
                                    },
                                },
                            },
                        ],
                    },
                },
            },
        };
        if (status == StatusCodes.Status429TooManyRequests)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before retrying (with `rate_limited`).",
                    Required = codes.All(c => c == ProblemCodes.RateLimited),
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1" },
                },
            };
        }
        return response;
    }

    // A nullable body parameter is generated as oneOf [null, the type]; the Api never reads a JSON null as a request, so
    // the body is the type itself, required when the type has required fields.
    private static void PlainBody(OpenApiOperation operation, Type bodyType)
    {
        if (operation.RequestBody is not OpenApiRequestBody requestBody || requestBody.Content is null)
        {
            return;
        }
        foreach (var media in requestBody.Content.Values)
        {
            if (media.Schema is OpenApiSchema { OneOf: { Count: 2 } oneOf } && oneOf.SingleOrDefault(s => s.Type != JsonSchemaType.Null) is { } plain
                && oneOf.Any(s => s.Type == JsonSchemaType.Null))
            {
                media.Schema = plain;
            }
        }
        var type = Nullable.GetUnderlyingType(bodyType) ?? bodyType;
        requestBody.Required = type.GetProperties().Any(p => p.IsDefined(typeof(RequiredAttribute), inherit: true));
    }

    // Produces(200, contentType: "text/event-stream") on an endpoint without a typed result leaves the response empty.
    private static void DescribeUntypedContent(OpenApiOperation operation, IList<object> metadata)
    {
        foreach (var produces in metadata.OfType<IProducesResponseTypeMetadata>().Where(p => p.Type is null || p.Type == typeof(void)))
        {
            var key = produces.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses?.TryGetValue(key, out var existing) != true || existing is not OpenApiResponse response)
            {
                continue;
            }
            response.Content ??= new Dictionary<string, OpenApiMediaType>();
            foreach (var contentType in produces.ContentTypes)
            {
                response.Content.TryAdd(contentType, new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } });
            }
        }
    }
}

/// <summary>Endpoint metadata: a 200 answer is a file of any type (<c>*/*</c> in the document).</summary>
internal sealed record FileDownloadMetadata;

/// <summary>Endpoint metadata: the body is multipart/form-data with one file part, read by the handler as a stream.</summary>
internal sealed record FileUploadMetadata(string PartName);

internal static class FileUploadEndpointExtensions
{
    /// <summary>Declares a multipart/form-data body with one file part named <paramref name="partName"/> (metadata only).</summary>
    public static TBuilder AcceptsFile<TBuilder>(this TBuilder builder, string partName = "file") where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FileUploadMetadata(partName)).WithMetadata(new AcceptsMetadata(["multipart/form-data"], typeof(object)));

    /// <summary>Declares a 200 answer that is a file of its own type (metadata only).</summary>
    public static TBuilder ProducesFile<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FileDownloadMetadata())
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(void), ["application/octet-stream"]));
}
