// The widget's one store: the conversation's events in seq order, the visitor's unsent messages, and what the
// header, badge and indicators show. Transports write into it; the view renders it on every change.
import type { Attachment, SentMessage, ServerFrame } from "./widgetApi";

export type ConnectionState = "idle" | "connecting" | "online" | "reconnecting";

export interface MessageItem {
  kind: "message";
  key: string;
  order: number;
  id?: string;
  seq?: number;
  clientMessageId?: string;
  state: "sent" | "sending" | "failed";
  direction: "INBOUND" | "OUTBOUND";
  text: string;
  agent?: string;
  createdAt: string;
  attachments: Attachment[];
}

export interface EventItem {
  kind: "agent_joined" | "agent_left" | "info_note" | "conversation_closed";
  key: string;
  order: number;
  seq?: number;
  agent?: string;
  text?: string;
  createdAt: string;
}

export type Item = MessageItem | EventItem;

/** What `OmniChat.on('message')` handlers get (docs/widget.md). */
export interface PublicMessage { id: string; seq: number; direction: string; text: string; agent?: string; createdAt: string }

const TYPING_SHOWN_MS = 5000;
// Pending messages sort after every stored event; events without a seq (v1 frames) sort after the seq they follow.
const PENDING_ORDER = Number.MAX_SAFE_INTEGER / 2;

export class ChatStore {
  /** Where a resume starts: only the socket moves it, since it delivers every seq in order (an HTTP answer may be ahead of a gap). */
  lastSeq = 0;
  connection: ConnectionState = "idle";
  isOpen = false;
  closed = false;
  agentTyping = false;
  /** The highest seq an agent has read. */
  agentReadSeq = 0;
  /** The highest OUTBOUND seq the visitor has had on screen with the panel open. */
  seenSeq = 0;
  error: string | undefined;

  private readonly items = new Map<string, Item>();
  private readonly ids = new Set<string>();
  private readonly seqs = new Set<number>();
  private closedSeq = 0;
  private pendingCount = 0;
  private localCount = 0;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly messageListeners = new Set<(message: PublicMessage) => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onMessage(listener: (message: PublicMessage) => void): void {
    this.messageListeners.add(listener);
  }

  list(): Item[] {
    return [...this.items.values()].sort((a, b) => a.order - b.order);
  }

  get unread(): number {
    let count = 0;
    for (const item of this.items.values()) {
      if (item.kind === "message" && item.direction === "OUTBOUND" && (item.seq ?? 0) > this.seenSeq) count++;
    }
    return count;
  }

  get lastOutboundSeq(): number {
    let seq = 0;
    for (const item of this.items.values()) {
      if (item.kind === "message" && item.direction === "OUTBOUND") seq = Math.max(seq, item.seq ?? 0);
    }
    return seq;
  }

  /** The visitor's last stored message, when an agent's read receipt covers it. */
  get readMessageKey(): string | undefined {
    let last: MessageItem | undefined;
    for (const item of this.items.values()) {
      if (item.kind === "message" && item.direction === "INBOUND" && item.seq && item.seq > (last?.seq ?? 0)) last = item;
    }
    return last?.seq && last.seq <= this.agentReadSeq ? last.key : undefined;
  }

  /** A frame from the socket: these arrive in seq order without gaps, so they alone move the resume point. */
  applyFrame(frame: ServerFrame): void {
    if ("seq" in frame && frame.type !== "read" && frame.seq > this.lastSeq) this.lastSeq = frame.seq;
    switch (frame.type) {
      case "message":
        this.addMessage(frame);
        return;
      case "agent_joined":
      case "agent_left":
      case "info_note":
      case "conversation_closed":
        this.addEvent(frame);
        return;
      case "typing":
        if (frame.from !== "visitor") this.showTyping();
        return;
      case "read":
        if (frame.from !== "visitor" && frame.seq > this.agentReadSeq) {
          this.agentReadSeq = frame.seq;
          this.changed();
        }
        return;
      case "error":
        console.warn("OmniChat: the realtime hub answered", frame.code, frame.detail ?? "");
        return;
      default:
        return;
    }
  }

  /** A stored message, from the socket or from the answer to the visitor's POST: shown once, by id and by seq. */
  addMessage(message: SentMessage): void {
    if (this.ids.has(message.id) || this.seqs.has(message.seq)) {
      this.dropPending(message);
      return;
    }
    this.dropPending(message);
    this.ids.add(message.id);
    this.seqs.add(message.seq);
    const item: MessageItem = {
      kind: "message", key: `m${message.id}`, order: message.seq, id: message.id, seq: message.seq, state: "sent",
      direction: message.direction, text: message.text, createdAt: message.createdAt, attachments: message.attachments ?? [],
    };
    if (message.agent) item.agent = message.agent;
    this.items.set(item.key, item);
    if (message.direction === "OUTBOUND") this.agentTyping = false;
    // Writing into a closed conversation reopens it (the server does that); any later message means it is open.
    if (message.seq > this.closedSeq) this.closed = false;
    const published: PublicMessage = { id: message.id, seq: message.seq, direction: message.direction, text: message.text, createdAt: message.createdAt };
    if (message.agent) published.agent = message.agent;
    for (const listener of this.messageListeners) {
      try { listener(published); } catch (error) { console.error(error); }
    }
    this.changed();
  }

  /** The visitor's message before the Api has stored it (the optimistic echo), keyed by its clientMessageId. */
  addPending(clientMessageId: string, text: string, attachments: Attachment[]): void {
    this.items.set(`p${clientMessageId}`, {
      kind: "message", key: `p${clientMessageId}`, order: PENDING_ORDER + this.pendingCount++, clientMessageId,
      state: "sending", direction: "INBOUND", text, createdAt: new Date().toISOString(), attachments,
    });
    this.changed();
  }

  failPending(clientMessageId: string): void {
    const item = this.items.get(`p${clientMessageId}`);
    if (item?.kind === "message") {
      item.state = "failed";
      this.changed();
    }
  }

  pending(clientMessageId: string): MessageItem | undefined {
    const item = this.items.get(`p${clientMessageId}`);
    return item?.kind === "message" ? item : undefined;
  }

  setConnection(state: ConnectionState): void {
    if (this.connection === state) return;
    this.connection = state;
    this.changed();
  }

  setOpen(open: boolean): void {
    this.isOpen = open;
    this.changed();
  }

  setError(error: string | undefined): void {
    this.error = error;
    this.changed();
  }

  markSeen(seq: number): void {
    if (seq <= this.seenSeq) return;
    this.seenSeq = seq;
    this.changed();
  }

  // The hub echoes the visitor's own message (for other tabs) without its clientMessageId: the oldest pending message
  // with the same text is that one, so the echo takes its place instead of showing it twice until the POST answers.
  private dropPending(message: SentMessage): void {
    if (message.direction !== "INBOUND") return;
    for (const item of this.list()) {
      if (item.kind === "message" && item.state !== "sent" && item.text === message.text) {
        this.items.delete(item.key);
        return;
      }
    }
  }

  private addEvent(frame: { type: EventItem["kind"]; seq?: number; agent?: string; text?: string; createdAt?: string }): void {
    if (frame.seq !== undefined && this.seqs.has(frame.seq)) return;
    if (frame.seq !== undefined) this.seqs.add(frame.seq);
    const order = frame.seq ?? this.lastSeq + (++this.localCount % 1000) / 1000;
    const item: EventItem = {
      kind: frame.type, key: frame.seq !== undefined ? `e${frame.seq}` : `l${this.localCount}`, order,
      createdAt: frame.createdAt ?? new Date().toISOString(),
    };
    if (frame.seq !== undefined) item.seq = frame.seq;
    if (frame.agent) item.agent = frame.agent;
    if (frame.text) item.text = frame.text;
    this.items.set(item.key, item);
    if (frame.type === "conversation_closed") {
      this.closed = true;
      this.closedSeq = Math.max(this.closedSeq, frame.seq ?? this.lastSeq);
    }
    this.changed();
  }

  /** v1 frames carry no seq: they are shown after the last message seen. */
  addUnsequencedEvent(frame: { type: EventItem["kind"]; agent?: string; text?: string }): void {
    this.addEvent(frame);
  }

  private showTyping(): void {
    clearTimeout(this.typingTimer);
    this.agentTyping = true;
    this.typingTimer = setTimeout(() => {
      this.agentTyping = false;
      this.changed();
    }, TYPING_SHOWN_MS);
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
