using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace OmniChat.Core.Attachments;

/// <summary>Registers attachment storage, intake, links and the linker.</summary>
public static class AttachmentExtensions
{
    public static IHostApplicationBuilder AddOmniChatAttachments(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<AttachmentOptions>().BindConfiguration(AttachmentOptions.Section)
            .Validate(o => o.Storage is "filesystem" or "s3", "Attachments:Storage must be filesystem or s3")
            .Validate(o => o.Storage != "s3" || o.S3.Bucket is { Length: > 0 }, "Attachments:S3:Bucket is required with Attachments:Storage=s3")
            .Validate(o => o.SigningKey is null || o.SigningKey.Length >= 32, "Attachments:SigningKey must have at least 32 characters")
            .Validate(o => o.LinkLifetime > TimeSpan.Zero && o.LinkLifetime <= TimeSpan.FromHours(1), "Attachments:LinkLifetime must be within an hour")
            .ValidateOnStart();
        builder.Services.AddSingleton<IAttachmentStorage>(services =>
        {
            var options = services.GetRequiredService<IOptions<AttachmentOptions>>().Value;
            return options.Storage == "s3"
                ? new S3AttachmentStorage(options.S3)
                : new FileSystemAttachmentStorage(options.Path is { Length: > 0 } path ? path : DefaultPath(builder.Environment.ContentRootPath));
        });
        builder.Services.AddSingleton<AttachmentLinks>();
        builder.Services.AddScoped<AttachmentIntake>();
        builder.Services.AddScoped<AttachmentLinker>();
        return builder;
    }

    // .omnichat/attachments in the repository the service runs from (git-ignored with the rest of .omnichat/), else
    // beside the content root.
    private static string DefaultPath(string contentRoot)
    {
        for (var directory = new DirectoryInfo(contentRoot); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OmniChat.sln")))
            {
                return Path.Combine(directory.FullName, ".omnichat", "attachments");
            }
        }
        return Path.Combine(contentRoot, ".omnichat", "attachments");
    }
}
