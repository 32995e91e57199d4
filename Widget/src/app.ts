// app.js, the v2 chat app: injected by the loader (widget.js), which leaves the bootstrap answer on window.OmniChat.
import { publish } from "./omniChat";
import { ChatStore } from "./store";
import { localBootstrap } from "./texts";
import { V2Transport } from "./transports";
import { startWidget } from "./widget";
import { WidgetApi } from "./widgetApi";

const SEEN_KEY = "omnichat.seen.";

function start(): void {
  const handoff = window.OmniChat?.boot;
  if (!handoff || document.getElementById("omnichat-widget")) return;
  const boot = handoff.bootstrap ?? localBootstrap(navigator.language, "");
  const api = new WidgetApi(handoff.api, handoff.siteKey);
  const store = new ChatStore();
  const ticket = boot.conversation ? api.adopt(boot.conversation) : undefined;
  rememberSeen(store, boot.conversation?.conversationId);
  const transport = new V2Transport(api, store, boot.realtimeUrl, boot.locale, ticket);
  const problem = handoff.bootstrap ? undefined : handoff.problem?.detail ?? boot.texts.error;
  const widget = startWidget(problem === undefined ? { boot, store, transport } : { boot, store, transport, problem });
  publish(widget);
}

// The unread badge counts the agent's messages the visitor has not had on screen, across reloads of the same
// conversation: the last seen seq is kept in the site's localStorage (nothing else is stored).
function rememberSeen(store: ChatStore, conversationId: string | undefined): void {
  if (!conversationId) return;
  try {
    store.seenSeq = Number(localStorage.getItem(SEEN_KEY + conversationId)) || 0;
    store.subscribe(() => localStorage.setItem(SEEN_KEY + conversationId, String(store.seenSeq)));
  } catch {
    // Storage blocked: the badge then counts the replayed history once.
  }
}

start();
