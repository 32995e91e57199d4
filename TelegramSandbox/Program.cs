using OmniChat.ServiceDefaults;
using OmniChat.TelegramSandbox;

// A Telegram Bot API emulator for local runs, tests and benchmarks: the real HTTP contract, Telegram's flood limits,
// webhook delivery, a control API and a web page where people act, in-memory state. Never exposed beyond the machine it
// runs on.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddSandboxServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapBotApi();
app.MapSandboxApi();
app.MapSandboxPage();

await app.RunServiceAsync();
