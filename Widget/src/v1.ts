// v1.js, the default tenant's standalone widget (no site key, no loader): the same UI over the frozen v1 API and the
// v1 socket. Its tokens live in memory only (v1 has no cookie), so a reload starts a new conversation.
//   <script src="https://<api>/widget/v1.js" async></script>
// data-realtime-url="wss://…" names the realtime hub when it is not on the Api's origin.
import { ConversationClient } from "./conversationClient";
import { publish } from "./omniChat";
import { ChatStore } from "./store";
import { localBootstrap } from "./texts";
import { V1Transport } from "./transports";
import { startWidget } from "./widget";

const script = document.currentScript as HTMLScriptElement | null;

function start(): void {
  if (document.getElementById("omnichat-widget")) return;
  const api = script?.src ? new URL(script.src).origin : location.origin;
  const realtimeUrl = (script?.dataset["realtimeUrl"] ?? api.replace(/^http/, "ws")).replace(/\/$/, "");
  const boot = localBootstrap(navigator.language, realtimeUrl);
  const store = new ChatStore();
  const transport = new V1Transport(new ConversationClient(api), store, realtimeUrl, boot.locale);
  publish(startWidget({ boot, store, transport }));
}

if (document.body) start();
else document.addEventListener("DOMContentLoaded", start);
