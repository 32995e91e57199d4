namespace OmniChat.TelegramSandbox;

/// <summary>
/// The web page at <c>/</c> (Page/index.html, embedded in the assembly so it is served wherever the sandbox runs from):
/// static HTML and a little script over the control API, where a person watches a bot's chats and topics and acts in
/// them. No build step.
/// </summary>
public static class SandboxPage
{
    public static IEndpointRouteBuilder MapSandboxPage(this IEndpointRouteBuilder app)
    {
        var html = ReadPage();
        app.MapGet("/", () => TypedResults.Content(html, "text/html; charset=utf-8")).ExcludeFromDescription();
        return app;
    }

    private static string ReadPage()
    {
        using var stream = typeof(SandboxPage).Assembly.GetManifestResourceStream("OmniChat.TelegramSandbox.Page.index.html")
            ?? throw new InvalidOperationException("The sandbox page is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
