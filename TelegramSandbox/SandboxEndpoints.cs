using Microsoft.AspNetCore.Http.HttpResults;

namespace OmniChat.TelegramSandbox;

/// <summary>
/// The sandbox's own API, beside the Bot API, for tests, benchmarks and the web page: bots and groups to set up, what
/// people do (write, edit, press buttons, block the bot, close or delete topics), what a bot sent and received, its
/// counters, and faults to inject (the next N calls of a method answer with a given error). Never shows a token, except
/// once, to whoever creates a bot.
/// </summary>
public static class SandboxEndpoints
{
    public static IEndpointRouteBuilder MapSandboxApi(this IEndpointRouteBuilder app)
    {
        var bots = app.MapGroup("/sandbox/bots");
        bots.MapGet("/", ListBots);
        bots.MapPost("/", CreateBot).Validated<CreateBotRequest>();

        var bot = bots.MapGroup("/{botId:long}");
        bot.MapGet("/stats", (long botId, BotApiState state) => TypedResults.Ok(state.Stats(botId)));
        bot.MapPost("/faults", AddFault).Validated<FaultRequest>();
        bot.MapGet("/chats", (long botId, BotApiState state) => TypedResults.Ok(state.Chats(botId)));
        bot.MapPost("/groups", CreateGroup).Validated<CreateGroupRequest>();
        bot.MapPost("/groups/{chatId:long}/members", AddMember).Validated<AddMemberRequest>();
        bot.MapGet("/callbacks", (long botId, BotApiState state) => TypedResults.Ok(state.Callbacks(botId)));
        bot.MapGet("/callbacks/{callbackQueryId}", GetCallback);
        bot.MapPost("/users/{userId:long}/block", (long botId, long userId, BotApiState state) => TypedResults.Ok(state.Block(botId, userId, blocked: true)));
        bot.MapPost("/users/{userId:long}/unblock", (long botId, long userId, BotApiState state) => TypedResults.Ok(state.Block(botId, userId, blocked: false)));
        bot.MapGet("/files/{fileId}", DownloadFile);

        var chat = bot.MapGroup("/chats/{chatId:long}");
        chat.MapGet("/messages", (long botId, long chatId, BotApiState state) => TypedResults.Ok(state.Messages(botId, chatId)));
        chat.MapPost("/messages", Write).Validated<PersonMessageRequest>();
        chat.MapPost("/messages/{messageId:int}/edit", Edit).Validated<PersonEditRequest>();
        chat.MapPost("/callbacks", Press).Validated<ButtonPressRequest>();
        chat.MapGet("/topics", (long botId, long chatId, BotApiState state) => TypedResults.Ok(state.Topics(botId, chatId)));
        chat.MapDelete("/topics/{threadId:int}", DeleteTopic);
        chat.MapPost("/topics/{threadId:int}/close", (long botId, long chatId, int threadId, TopicActionRequest? request, BotApiState state) =>
            TypedResults.Ok(state.CloseTopic(botId, chatId, threadId, closed: true, request?.FromUserId))).Validated<TopicActionRequest>(optional: true);
        chat.MapPost("/topics/{threadId:int}/reopen", (long botId, long chatId, int threadId, TopicActionRequest? request, BotApiState state) =>
            TypedResults.Ok(state.CloseTopic(botId, chatId, threadId, closed: false, request?.FromUserId))).Validated<TopicActionRequest>(optional: true);
        return app;
    }

    private static Ok<IReadOnlyList<BotView>> ListBots(BotApiState state) => TypedResults.Ok(state.Bots());

    private static Created<CreatedBot> CreateBot(CreateBotRequest request, BotApiState state)
    {
        var created = state.CreateBot(request);
        return TypedResults.Created($"/sandbox/bots/{created.BotId}", created);
    }

    private static NoContent AddFault(long botId, FaultRequest fault, BotApiState state)
    {
        var description = string.IsNullOrWhiteSpace(fault.Description) ? DefaultDescription(fault.ErrorCode) : fault.Description;
        state.AddFault(botId, new InjectedFault(fault.Method, fault.ErrorCode, description, fault.RetryAfter, fault.Count));
        return TypedResults.NoContent();
    }

    private static Created<CreatedGroup> CreateGroup(long botId, CreateGroupRequest request, BotApiState state)
    {
        var group = state.CreateGroup(botId, request);
        return TypedResults.Created($"/sandbox/bots/{botId}/chats/{group.ChatId}/messages", group);
    }

    private static Ok<MemberView> AddMember(long botId, long chatId, AddMemberRequest request, BotApiState state) =>
        TypedResults.Ok(state.AddMember(botId, chatId, request));

    private static Created<PersonAction> Write(long botId, long chatId, PersonMessageRequest request, BotApiState state)
    {
        var action = state.PersonWrites(botId, chatId, request);
        return TypedResults.Created($"/sandbox/bots/{botId}/chats/{chatId}/messages", action);
    }

    private static Ok<PersonAction> Edit(long botId, long chatId, int messageId, PersonEditRequest request, BotApiState state) =>
        TypedResults.Ok(state.PersonEdits(botId, chatId, messageId, request));

    private static Ok<PressedButton> Press(long botId, long chatId, ButtonPressRequest request, BotApiState state) =>
        TypedResults.Ok(state.PersonPresses(botId, chatId, request));

    private static Results<Ok<CallbackView>, NotFound> GetCallback(long botId, string callbackQueryId, BotApiState state) =>
        state.Callback(botId, callbackQueryId) is { } callback ? TypedResults.Ok(callback) : TypedResults.NotFound();

    private static NoContent DeleteTopic(long botId, long chatId, int threadId, BotApiState state)
    {
        state.DeleteTopic(botId, chatId, threadId);
        return TypedResults.NoContent();
    }

    private static Results<FileContentHttpResult, NotFound> DownloadFile(long botId, string fileId, BotApiState state) =>
        state.File(botId, fileId) is { } file ? TypedResults.File(file.Content, file.ContentType, file.FileName) : TypedResults.NotFound();

    /// <summary>Refuses a request whose body is missing or malformed before its handler runs.</summary>
    private static RouteHandlerBuilder Validated<T>(this RouteHandlerBuilder builder, bool optional = false) where T : class, ISandboxRequest =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var request = context.Arguments.OfType<T>().FirstOrDefault();
            if (request is null)
            {
                return optional ? await next(context) : SandboxProblems.Invalid("body", "a JSON object");
            }
            var errors = request.Validate();
            return errors.Count > 0 ? SandboxProblems.Invalid(errors) : await next(context);
        });

    private static string DefaultDescription(int errorCode) => errorCode switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden: bot was blocked by the user",
        429 => "Too Many Requests: retry after 1",
        502 => "Bad Gateway",
        _ => "Internal Server Error",
    };
}
