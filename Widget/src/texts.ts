// The texts v1.js shows, and what app.js shows when the bootstrap itself failed (it brings the tenant's texts).
import type { Bootstrap, WidgetTexts } from "./widgetApi";
import { DEFAULT_PRIMARY } from "./color";

export const ENGLISH: WidgetTexts = {
  title: "Chat with us", greeting: "Hi! How can we help?", placeholder: "Write a message…", send: "Send",
  offline: "Chat is not available right now.", closed: "This conversation was closed.",
  reopen: "Write to start again", agentJoined: "{agent} joined the chat", agentLeft: "The agent left the chat",
  typing: "Typing…", connecting: "Connecting…", reconnecting: "Reconnecting…", read: "Read", attach: "Attach a file",
  fileTooLarge: "This file is too large.", unsupportedFile: "This file type is not supported.",
  continueInTelegram: "Continue in Telegram", close: "Close chat", open: "Open chat",
  error: "Something went wrong. Please try again.",
};

const RTL_LANGUAGES = ["ar", "he", "fa", "ur"];

/** What the widget needs when no bootstrap came from the Api: English, the browser's locale, the default theme. */
export function localBootstrap(locale: string, realtimeUrl: string): Bootstrap {
  const language = locale.split("-")[0]?.toLowerCase() ?? "en";
  return {
    siteKey: "", tenant: { name: "" }, status: "online", locale,
    direction: RTL_LANGUAGES.includes(language) ? "rtl" : "ltr", texts: ENGLISH,
    theme: { primaryColor: DEFAULT_PRIMARY, position: "right" }, features: {}, realtimeUrl, app: { url: "", integrity: "" },
  };
}
