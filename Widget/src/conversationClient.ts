// Client for the frozen v1 widget contract (SPEC §7): start a conversation, refresh its token,
// send and list messages. Tokens stay in memory; the refresh token rotates on every use.

export interface StartedConversation {
  conversationId: string;
  token: string;
  refreshToken: string;
  expiresIn: number;
}

export interface WidgetMessage {
  id: string;
  seq: number;
  direction: "INBOUND" | "OUTBOUND" | "SYSTEM";
  text: string;
  agent?: string;
  createdAt: string;
}

export interface MessagePage {
  messages: WidgetMessage[];
  nextAfterSeq: number;
}

/** An RFC 9457 problem answered by the Api, with its stable code. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiProblem";
  }
}

type Fetch = typeof fetch;

export class ConversationClient {
  private session: StartedConversation | undefined;

  constructor(
    private readonly apiBaseUrl: string,
    private readonly fetchImpl: Fetch = (input, init) => fetch(input, init),
  ) {}

  get conversationId(): string | undefined {
    return this.session?.conversationId;
  }

  async start(options: { name?: string; locale?: string; metadata?: Record<string, unknown> } = {}): Promise<StartedConversation> {
    this.session = await this.request<StartedConversation>("POST", "/v1/conversations", options);
    return this.session;
  }

  async send(text: string, clientMessageId: string = crypto.randomUUID()): Promise<WidgetMessage> {
    return this.withFreshToken((session) =>
      this.request<WidgetMessage>("POST", `/v1/conversations/${session.conversationId}/messages`, { text, clientMessageId }, session.token),
    );
  }

  async messages(afterSeq = 0, limit = 50): Promise<MessagePage> {
    const query = new URLSearchParams({ afterSeq: String(afterSeq), limit: String(limit) });
    return this.withFreshToken((session) =>
      this.request<MessagePage>("GET", `/v1/conversations/${session.conversationId}/messages?${query}`, undefined, session.token),
    );
  }

  private async refresh(): Promise<void> {
    const session = this.requireSession();
    const renewed = await this.request<Omit<StartedConversation, "conversationId">>(
      "POST",
      `/v1/conversations/${session.conversationId}/token`,
      { refreshToken: session.refreshToken },
    );
    this.session = { ...session, ...renewed };
  }

  // One retry after a 401: the conversation token lives at most 15 minutes.
  // The session is read at each attempt, so the retry uses the rotated token.
  private async withFreshToken<T>(call: (session: StartedConversation) => Promise<T>): Promise<T> {
    try {
      return await call(this.requireSession());
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 401) {
        await this.refresh();
        return call(this.requireSession());
      }
      throw error;
    }
  }

  private requireSession(): StartedConversation {
    if (!this.session) {
      throw new Error("start() the conversation first");
    }
    return this.session;
  }

  private async request<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers["Authorization"] = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await this.fetchImpl(new URL(path, this.apiBaseUrl).toString(), init);
    if (!response.ok) {
      const problem = (await response.json().catch(() => ({}))) as { code?: string; title?: string };
      throw new ApiProblem(response.status, problem.code ?? "http_error", problem.title ?? response.statusText);
    }
    return (await response.json()) as T;
  }
}
