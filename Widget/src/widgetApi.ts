// The v2 widget routes (docs/widget.md), typed by hand until they are in docs/api/openapi-v1.json; replace these
// types with ones generated from the document (src/api.gen.ts) once the Api publishes them.
import { ApiProblem, problemFrom } from "./problem";

export interface WidgetTexts {
  title: string; greeting: string; placeholder: string; send: string; offline: string; closed: string; reopen: string;
  agentJoined: string; agentLeft: string; typing: string; connecting: string; reconnecting: string; read: string;
  attach: string; fileTooLarge: string; unsupportedFile: string; continueInTelegram: string; close: string;
  open: string; error: string;
}

export interface ConversationSession { conversationId: string; token: string; expiresIn: number; ticket: string }

export interface Bootstrap {
  siteKey: string;
  tenant: { name: string };
  status: "online" | "offline";
  locale: string;
  direction: "ltr" | "rtl";
  texts: WidgetTexts;
  theme: { primaryColor: string; position: "left" | "right" };
  features: {
    attachments?: { maxBytes: number; types: string[] };
    telegramUrl?: string;
    identity?: boolean;
  };
  realtimeUrl: string;
  app: { url: string; integrity: string };
  conversation?: ConversationSession;
}

export interface Identity { userId: string; userHash: string; name?: string; email?: string }
export interface Attachment { id: string; name: string; contentType: string; size: number }
export interface AttachmentLink { url: string; expiresAt: string }
export interface Ticket { ticket: string; expiresIn: number }

export interface StartConversationRequest { name?: string; locale?: string; identity?: Identity }
export interface SendMessageRequest { text: string; clientMessageId?: string; attachmentIds?: string[] }
export interface SentMessage {
  id: string; seq: number; direction: "INBOUND" | "OUTBOUND"; text: string; createdAt: string; agent?: string;
  attachments?: Attachment[];
}

/** Frames of /v2/ws (docs/realtime.md); the hub may add kinds, so unknown ones are ignored. */
export type ServerFrame =
  | ({ type: "message" } & SentMessage)
  | { type: "agent_joined"; seq: number; agent: string; createdAt: string }
  | { type: "agent_left"; seq: number; createdAt: string }
  | { type: "conversation_renamed"; seq: number; name: string; createdAt: string }
  | { type: "info_note"; id: string; seq: number; key?: string; text: string; createdAt: string }
  | { type: "conversation_closed"; seq: number; createdAt: string }
  | { type: "typing"; from: string }
  | { type: "read"; seq: number; from: string }
  | { type: "error"; code: string; detail?: string };

export type ClientFrame = { type: "resume"; afterSeq: number } | { type: "typing" } | { type: "read"; seq: number };

type Fetch = typeof fetch;
type Xhr = () => XMLHttpRequest;

/** Renew the conversation token this long before it expires (it lives 15 minutes). */
const RENEW_BEFORE_MS = 60_000;

/**
 * The visitor's side of the v2 widget routes. Holds the conversation token in memory only; the refresh token is the
 * HttpOnly cookie, so every call that may set or use it is made with credentials.
 */
export class WidgetApi {
  private session: { conversationId: string; token: string; expiresAt: number } | undefined;

  constructor(
    private readonly apiBaseUrl: string,
    private readonly siteKey: string,
    private readonly fetchImpl: Fetch = (input, init) => fetch(input, init),
    private readonly now: () => number = Date.now,
    private readonly xhr: Xhr = () => new XMLHttpRequest(),
  ) {}

  get conversationId(): string | undefined {
    return this.session?.conversationId;
  }

  /** Takes a session answered by bootstrap, conversations or session; returns its one-use socket ticket. */
  adopt(session: ConversationSession): string {
    this.session = { conversationId: session.conversationId, token: session.token, expiresAt: this.now() + session.expiresIn * 1000 };
    return session.ticket;
  }

  async createConversation(body: StartConversationRequest): Promise<string> {
    return this.adopt(await this.request<ConversationSession>("POST", "conversations", body));
  }

  /** The conversation of the cookie (or of a verified identity); undefined when there is none (404 no_session). */
  async resumeSession(identity?: Identity): Promise<string | undefined> {
    try {
      const body = identity ? { identity: { userId: identity.userId, userHash: identity.userHash } } : {};
      return this.adopt(await this.request<ConversationSession>("POST", "session", body));
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 404) return undefined;
      throw error;
    }
  }

  sendMessage(body: SendMessageRequest): Promise<SentMessage> {
    return this.authorized((token, id) => this.request<SentMessage>("POST", `conversations/${id}/messages`, body, token));
  }

  async identify(identity: Identity): Promise<void> {
    await this.authorized((token) => this.request<unknown>("POST", "identify", identity, token));
  }

  async wsTicket(): Promise<string> {
    const answer = await this.authorized((token, conversationId) => this.request<Ticket>("POST", "ws-ticket", { conversationId }, token));
    return answer.ticket;
  }

  attachmentLink(id: string): Promise<AttachmentLink> {
    return this.authorized((token) => this.request<AttachmentLink>("GET", `attachments/${encodeURIComponent(id)}`, undefined, token));
  }

  /** Uploads one file as multipart (part "file"); XMLHttpRequest because fetch reports no upload progress. */
  upload(file: File, onProgress: (fraction: number) => void): Promise<Attachment> {
    return this.authorized((token) => new Promise<Attachment>((resolve, reject) => {
      const request = this.xhr();
      request.open("POST", this.url("attachments"));
      request.withCredentials = true;
      request.setRequestHeader("Authorization", `Bearer ${token}`);
      request.setRequestHeader("Accept", "application/json");
      request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
      request.onerror = () => reject(new ApiProblem(0, "network_error", "Network error"));
      request.onload = () => {
        let body: { code?: string; title?: string; detail?: string } = {};
        try { body = JSON.parse(request.responseText) as typeof body; } catch { /* not JSON */ }
        if (request.status >= 200 && request.status < 300) resolve(body as unknown as Attachment);
        else reject(new ApiProblem(request.status, body.code ?? "http_error", body.title ?? request.statusText, body.detail));
      };
      const form = new FormData();
      form.append("file", file, file.name);
      request.send(form);
    }));
  }

  // The token is renewed through the cookie when it is near expiry, and once more when a call answers 401
  // (a clock that is off, a rotated key); identity_invalid is the visitor's answer, not the token's.
  private async authorized<T>(call: (token: string, conversationId: string) => Promise<T>): Promise<T> {
    if (!this.session) throw new Error("No conversation yet");
    if (this.now() > this.session.expiresAt - RENEW_BEFORE_MS) await this.renew();
    try {
      return await call(this.session.token, this.session.conversationId);
    } catch (error) {
      if (!(error instanceof ApiProblem) || error.status !== 401 || error.code === "identity_invalid") throw error;
      await this.renew();
      return call(this.session.token, this.session.conversationId);
    }
  }

  private async renew(): Promise<void> {
    const session = await this.request<ConversationSession>("POST", "session", {});
    this.adopt(session);
  }

  // Every call names the site key: a CORS preflight carries no token, and the Api answers it for the key's tenant only.
  private url(route: string): string {
    return `${this.apiBaseUrl}/v2/widget/${route}?siteKey=${encodeURIComponent(this.siteKey)}`;
  }

  private async request<T>(method: string, route: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers["Authorization"] = `Bearer ${token}`;
    const init: RequestInit = { method, headers, credentials: "include" };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await this.fetchImpl(this.url(route), init);
    if (!response.ok) throw await problemFrom(response);
    return (await response.json()) as T;
  }
}
