using OmniChat.ServiceDefaults;
using OmniChat.TelegramSandbox;

// A Telegram Bot API emulator for local runs, tests and benchmarks: the real HTTP contract, Telegram's flood limits,
// in-memory state. Never exposed beyond the machine it runs on.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddOptions<FloodControlOptions>().BindConfiguration(FloodControlOptions.Section)
    .Validate(o => o.PerBotPerSecond > 0 && o.PerChatPerSecond > 0 && o.PerGroupPerMinute > 0, "Sandbox:FloodControl rates must be positive")
    .ValidateOnStart();
builder.Services.AddSingleton(sp => new FloodControl(
    sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<FloodControlOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
builder.Services.AddSingleton<BotApiState>();
builder.Services.AddProblemDetails();

var app = builder.Build();

app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapBotApi();
app.MapSandboxApi();

await app.RunServiceAsync();
