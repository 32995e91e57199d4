// One socket that comes back: a lost connection is retried with exponential backoff and jitter (at once when the
// browser says it is online again); each attempt asks for a fresh URL, since a ticket works once.
import type { ConnectionState } from "./store";

export interface SocketOptions {
  /** The URL of the next attempt (first = the very first one, which may use a ticket it already has). */
  url(first: boolean): Promise<string>;
  /** Called when a socket opens, before any other frame: where a v2 client sends its resume. */
  opened(send: (frame: unknown) => void): void;
  frame(frame: unknown): void;
  state(state: ConnectionState): void;
  WebSocket?: typeof WebSocket;
  random?: () => number;
}

const MAX_DELAY_MS = 30_000;
const FIRST_DELAY_MS = 1000;

export class ReconnectingSocket {
  private socket: WebSocket | undefined;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;
  private first = true;
  private readonly onOnline = () => this.retryNow();

  constructor(private readonly options: SocketOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    globalThis.addEventListener?.("online", this.onOnline);
    this.options.state("connecting");
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    globalThis.removeEventListener?.("online", this.onOnline);
    this.socket?.close(1000);
    this.socket = undefined;
  }

  /** Sends a frame on an open socket; false (nothing queued) when there is none, as typing and read are best-effort. */
  send(frame: unknown): boolean {
    if (this.socket?.readyState !== 1) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  private async connect(): Promise<void> {
    this.timer = undefined;
    let url: string;
    try {
      url = await this.options.url(this.first);
    } catch (error) {
      console.warn("OmniChat: could not get a socket ticket", error);
      this.retryLater();
      return;
    }
    this.first = false;
    if (this.stopped) return;
    const Socket = this.options.WebSocket ?? WebSocket;
    const socket = new Socket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      this.options.opened((frame) => socket.send(JSON.stringify(frame)));
      this.options.state("online");
    };
    socket.onmessage = (event: MessageEvent) => {
      let frame: unknown;
      try { frame = JSON.parse(String(event.data)); } catch { return; }
      this.options.frame(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.retryLater();
    };
  }

  private retryLater(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.options.state("reconnecting");
    const backoff = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempts++);
    const jitter = 0.5 + (this.options.random ?? Math.random)() / 2;
    this.timer = setTimeout(() => void this.connect(), backoff * jitter);
  }

  private retryNow(): void {
    if (this.stopped || this.timer === undefined) return;
    clearTimeout(this.timer);
    void this.connect();
  }
}
