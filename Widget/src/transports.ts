// How the widget talks to the Api: the v2 widget routes and /v2/ws (app.js), or the frozen v1 API and /ws (v1.js).
// Both write what they receive into the store; the view only sees the store and this interface.
import { ConversationClient } from "./conversationClient";
import { ApiProblem } from "./problem";
import { ReconnectingSocket } from "./reconnectingSocket";
import type { ChatStore } from "./store";
import { type Attachment, type AttachmentLink, type Identity, type ServerFrame, WidgetApi } from "./widgetApi";

export interface ChatTransport {
  /** Connects to the conversation the visitor already has, if any. */
  start(): Promise<void>;
  /** Stores the visitor's message (starting the conversation first when there is none) and puts it in the store. */
  send(text: string, clientMessageId: string, attachmentIds: string[]): Promise<void>;
  typing(): void;
  read(seq: number): void;
  identify(identity: Identity): Promise<void>;
  /** Absent when the transport has no attachments (v1). */
  upload?(file: File, progress: (fraction: number) => void): Promise<Attachment>;
  attachmentLink?(id: string): Promise<AttachmentLink>;
}

export interface SocketDependencies { WebSocket?: typeof WebSocket; random?: () => number }

export class V2Transport implements ChatTransport {
  private socket: ReconnectingSocket | undefined;
  private identity: Identity | undefined;
  private starting: Promise<void> | undefined;
  private identifying: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: WidgetApi,
    private readonly store: ChatStore,
    private readonly realtimeUrl: string,
    private readonly locale: string,
    private readonly firstTicket: string | undefined,
    private readonly sockets: SocketDependencies = {},
  ) {}

  async start(): Promise<void> {
    if (this.firstTicket) this.connect(this.firstTicket);
  }

  async send(text: string, clientMessageId: string, attachmentIds: string[]): Promise<void> {
    await this.ensureConversation();
    const body = attachmentIds.length ? { text, clientMessageId, attachmentIds } : { text, clientMessageId };
    this.store.addMessage(await this.api.sendMessage(body));
  }

  typing(): void {
    this.socket?.send({ type: "typing" });
  }

  read(seq: number): void {
    this.socket?.send({ type: "read", seq });
  }

  /** With a conversation: bind it (POST identify). Without: find the customer's conversation (POST session). */
  identify(identity: Identity): Promise<void> {
    // In order, and before a first message creates a conversation: that must wait to learn whether one exists.
    const run = this.identifying.then(() => this.bind(identity));
    this.identifying = run.catch(() => undefined);
    return run;
  }

  private async bind(identity: Identity): Promise<void> {
    this.identity = identity;
    try {
      if (this.api.conversationId) {
        await this.api.identify(identity);
      } else {
        const ticket = await this.api.resumeSession(identity);
        if (ticket) this.connect(ticket);
      }
    } catch (error) {
      if (!(error instanceof ApiProblem) || error.code !== "identity_invalid") throw error;
      this.dropIdentity();
    }
  }

  async upload(file: File, progress: (fraction: number) => void): Promise<Attachment> {
    await this.ensureConversation();
    return this.api.upload(file, progress);
  }

  attachmentLink(id: string): Promise<AttachmentLink> {
    return this.api.attachmentLink(id);
  }

  private async ensureConversation(): Promise<void> {
    await this.identifying;
    if (this.api.conversationId) return;
    this.starting ??= this.createConversation().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async createConversation(): Promise<void> {
    let ticket: string;
    try {
      ticket = await this.api.createConversation(this.identity ? { locale: this.locale, identity: this.identity } : { locale: this.locale });
    } catch (error) {
      if (!(error instanceof ApiProblem) || error.code !== "identity_invalid") throw error;
      this.dropIdentity();
      ticket = await this.api.createConversation({ locale: this.locale });
    }
    this.connect(ticket);
  }

  private dropIdentity(): void {
    this.identity = undefined;
    console.warn("OmniChat: identify() was refused (identity_invalid); the visitor stays anonymous");
  }

  private connect(firstTicket: string): void {
    this.socket?.stop();
    this.socket = new ReconnectingSocket({
      url: async (first) => `${this.realtimeUrl}/v2/ws?ticket=${encodeURIComponent(first ? firstTicket : await this.api.wsTicket())}`,
      opened: (send) => send({ type: "resume", afterSeq: this.store.lastSeq }),
      frame: (frame) => this.store.applyFrame(frame as ServerFrame),
      state: (state) => this.store.setConnection(state),
      ...this.sockets,
    });
    this.socket.start();
  }
}

interface V1Frame { type?: string; direction?: string; text?: string; agent?: string }

const PAGE_SIZE = 50;

/** The default tenant's frozen v1 API: tokens in memory only (no cookie), so a reload starts a new conversation. */
export class V1Transport implements ChatTransport {
  private socket: ReconnectingSocket | undefined;
  private syncing: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly client: ConversationClient,
    private readonly store: ChatStore,
    private readonly realtimeUrl: string,
    private readonly locale: string,
    private readonly sockets: SocketDependencies = {},
  ) {}

  async start(): Promise<void> {}

  async send(text: string, clientMessageId: string): Promise<void> {
    if (!this.client.conversationId) {
      await this.client.start({ locale: this.locale });
      this.connect();
    }
    // v1 messages carry no attachments (the shared schema declares them optional).
    const { agent, attachments: _none, ...sent } = await this.client.send(text, clientMessageId);
    this.store.addMessage({ ...sent, direction: sent.direction as "INBOUND", ...(agent ? { agent } : {}) });
  }

  typing(): void {}
  read(): void {}
  async identify(): Promise<void> {}

  private connect(): void {
    this.socket = new ReconnectingSocket({
      url: async () => {
        const query = new URLSearchParams({ conversationId: this.client.conversationId ?? "", token: await this.client.socketToken() });
        return `${this.realtimeUrl}/ws?${query}`;
      },
      // v1 has no resume: what was missed while away is read over HTTP.
      opened: () => void this.sync(),
      frame: (frame) => this.receive(frame as V1Frame),
      state: (state) => this.store.setConnection(state),
      ...this.sockets,
    });
    this.socket.start();
  }

  private receive(frame: V1Frame): void {
    if (frame.type === "agent_joined" || frame.type === "info_note" || frame.type === "conversation_closed") {
      const event: { type: typeof frame.type; agent?: string; text?: string } = { type: frame.type };
      if (frame.agent) event.agent = frame.agent;
      if (frame.text) event.text = frame.text;
      this.store.addUnsequencedEvent(event);
    } else if (frame.direction) {
      // A v1 message frame has no id or seq: the page of messages after the last seq has both.
      void this.sync();
    }
  }

  // One read at a time; a frame arriving meanwhile asks for one more read afterwards.
  private sync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.again = false;
        let page;
        do {
          page = await this.client.messages(this.store.lastSeq, PAGE_SIZE);
          for (const { agent, attachments: _none, ...message } of page.messages) {
            this.store.applyFrame({ type: "message", ...message, direction: message.direction as "INBOUND", ...(agent ? { agent } : {}) });
          }
        } while (page.messages.length === PAGE_SIZE);
      } while (this.again);
    })()
      .catch((error: unknown) => console.warn("OmniChat: could not read the messages", error))
      .finally(() => (this.syncing = undefined));
    return this.syncing;
  }
}
