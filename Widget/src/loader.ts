// The script a tenant puts on its site:
//   <script src="https://api.example/widget/omnichat-widget.js" data-api="https://api.example" defer></script>
// It exposes window.OmniChat so the page (and the chat UI, which comes with the widget issue) can use the client.
import { ApiProblem, ConversationClient } from "./conversationClient";

declare global {
  interface Window {
    OmniChat?: { version: string; client: ConversationClient; ApiProblem: typeof ApiProblem };
  }
}

const VERSION = "0.1.0";

function apiBaseFromScript(): string {
  const script = document.currentScript as HTMLScriptElement | null;
  return script?.dataset["api"] ?? (script ? new URL(script.src).origin : window.location.origin);
}

if (!window.OmniChat) {
  window.OmniChat = { version: VERSION, client: new ConversationClient(apiBaseFromScript()), ApiProblem };
}
