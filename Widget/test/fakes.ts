// Test doubles: a scripted Api (fetch), a WebSocket the test drives, an XMLHttpRequest for uploads, and a bootstrap.
import { ENGLISH } from "../src/texts";
import type { Bootstrap } from "../src/widgetApi";

export interface Call { method: string; url: string; headers: Record<string, string>; body: unknown; credentials?: RequestCredentials }
type Answer = [number, unknown] | ((call: Call) => [number, unknown]);

/** Answers "METHOD /path" (query ignored) from queues of scripted answers; an unscripted call answers 500. */
export function fakeApi(routes: Record<string, Answer[]>) {
  const calls: Call[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const call: Call = {
      method: init.method ?? "GET", url, headers: (init.headers ?? {}) as Record<string, string>,
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    if (init.credentials) call.credentials = init.credentials;
    calls.push(call);
    const route = `${call.method} ${new URL(url).pathname}`;
    const answer = routes[route]?.shift() ?? [500, { code: "unscripted", title: route }];
    const [status, body] = typeof answer === "function" ? answer(call) : answer;
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  };
  return { calls, fetch: fetchImpl as typeof fetch, routes };
}

export class FakeSocket {
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  static last(): FakeSocket {
    const socket = FakeSocket.instances[FakeSocket.instances.length - 1];
    if (!socket) throw new Error("no socket was opened");
    return socket;
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(...frames: unknown[]): void {
    for (const frame of frames) this.onmessage?.({ data: JSON.stringify(frame) });
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
}

export const fakeWebSocket = FakeSocket as unknown as typeof WebSocket;

export class FakeXhr {
  static instances: FakeXhr[] = [];
  method = "";
  url = "";
  headers: Record<string, string> = {};
  withCredentials = false;
  body: FormData | undefined;
  status = 0;
  statusText = "";
  responseText = "";
  upload: { onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;

  constructor() {
    FakeXhr.instances.push(this);
  }

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  send(body: FormData): void {
    this.body = body;
  }

  progress(loaded: number, total: number): void {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }

  answer(status: number, body: unknown): void {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

export function bootstrap(overrides: Partial<Bootstrap> = {}): Bootstrap {
  return {
    siteKey: "wk_test", tenant: { name: "Acme" }, status: "online", locale: "en", direction: "ltr", texts: ENGLISH,
    theme: { primaryColor: "#2563eb", position: "right" },
    features: { attachments: { maxBytes: 1000, types: ["image/png", "application/pdf"] }, identity: true },
    realtimeUrl: "ws://rt.test", app: { url: "http://api.test/widget/app.abc.js", integrity: "sha384-x" },
    ...overrides,
  };
}

/** Lets pending promises and response bodies settle (setImmediate: fake timers in these tests fake setTimeout only). */
export async function flush(times = 3): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function message(seq: number, direction: "INBOUND" | "OUTBOUND" = "OUTBOUND", text = `m${seq}`) {
  return { type: "message" as const, id: `id${seq}`, seq, direction, text, createdAt: "2026-01-01T10:00:00Z", ...(direction === "OUTBOUND" ? { agent: "ann" } : {}) };
}
