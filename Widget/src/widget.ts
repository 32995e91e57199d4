// Puts the pieces together: the store, a transport, the view, and the functions behind window.OmniChat.
import type { EventName, OmniChatApi } from "./omniChat";
import type { ChatStore, PublicMessage } from "./store";
import type { ChatTransport } from "./transports";
import { WidgetView } from "./view";
import type { Bootstrap, Identity } from "./widgetApi";

export interface WidgetParts { boot: Bootstrap; store: ChatStore; transport: ChatTransport; problem?: string }

export function startWidget({ boot, store, transport, problem }: WidgetParts): OmniChatApi & { view: WidgetView } {
  const handlers: Record<EventName, Set<(payload?: PublicMessage) => void>> = { message: new Set(), open: new Set(), close: new Set() };
  const emit = (event: EventName, payload?: PublicMessage) => {
    for (const handler of handlers[event]) {
      try { handler(payload); } catch (error) { console.error(error); }
    }
  };
  const view = new WidgetView(problem === undefined ? { boot, store, transport, emit } : { boot, store, transport, emit, problem });
  view.mount();
  store.onMessage((message) => emit("message", message));
  if (!problem && boot.status !== "offline") transport.start().catch((error: unknown) => view.showError(error));
  return {
    view,
    open: () => view.open(),
    close: () => view.close(),
    identify: (identity: Identity) => {
      if (!identity?.userId || !identity.userHash) {
        console.warn("OmniChat: identify() needs {userId, userHash}");
        return;
      }
      if (!boot.features.identity) {
        console.warn("OmniChat: this widget has no identity verification (no identity secret); identify() is ignored");
        return;
      }
      transport.identify(identity).catch((error: unknown) => console.warn("OmniChat: identify() failed", error));
    },
    on: (event: EventName, handler: (payload?: PublicMessage) => void) => {
      if (handlers[event] && typeof handler === "function") handlers[event].add(handler);
    },
  };
}
