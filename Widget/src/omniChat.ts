// window.OmniChat, the widget's only global (docs/widget.md): before the widget has loaded it is the loader's stub,
// which queues calls; the widget then puts its own functions on the same object and runs the queue in order.
import type { PublicMessage } from "./store";
import type { Bootstrap, Identity } from "./widgetApi";

export type CommandName = "open" | "close" | "identify" | "on";
export type Command = [CommandName, ...unknown[]];
export type EventName = "message" | "open" | "close";

/** What the loader hands to app.js: the bootstrap answer, or why there is none. */
export interface LoaderHandoff {
  api: string;
  siteKey: string;
  bootstrap?: Bootstrap;
  problem?: { status: number; code?: string; detail?: string };
}

export interface OmniChatApi {
  open(): void;
  close(): void;
  identify(identity: Identity): void;
  on(event: EventName, handler: (payload?: PublicMessage) => void): void;
}

export interface OmniChatGlobal extends OmniChatApi {
  q?: Command[];
  boot?: LoaderHandoff;
}

declare global {
  interface Window { OmniChat?: OmniChatGlobal }
}

/** Installs the widget's functions on window.OmniChat (keeping the object pages may hold) and runs the queued calls. */
export function publish(api: OmniChatApi): OmniChatGlobal {
  const global = window.OmniChat ?? ({} as OmniChatGlobal);
  const queue = global.q ?? [];
  delete global.q;
  delete global.boot;
  const { open, close, identify, on } = api;
  Object.assign(global, { open, close, identify, on });
  window.OmniChat = global;
  for (const [name, ...args] of queue) {
    const call = global[name] as ((...values: unknown[]) => void) | undefined;
    call?.apply(global, args);
  }
  return global;
}
