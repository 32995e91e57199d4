import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConversationClient } from "../src/conversationClient";
import { ChatStore } from "../src/store";
import { V1Transport, V2Transport } from "../src/transports";
import { WidgetApi } from "../src/widgetApi";
import { FakeSocket, fakeApi, fakeWebSocket, flush, message } from "./fakes";

const session = (token: string, ticket: string) => ({ conversationId: "c1", token, expiresIn: 900, ticket });
const sockets = { WebSocket: fakeWebSocket, random: () => 1 };

function v2(routes: Parameters<typeof fakeApi>[0], firstTicket?: string) {
  const api = fakeApi(routes);
  const widgetApi = new WidgetApi("http://api.test", "wk_1", api.fetch);
  const ticket = firstTicket ? widgetApi.adopt(session("t1", firstTicket)) : undefined;
  const store = new ChatStore();
  const transport = new V2Transport(widgetApi, store, "ws://rt.test", "en", ticket, sockets);
  return { api, store, transport };
}

const seqs = (store: ChatStore) => store.list().map((item) => item.seq);

describe("V2Transport", () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });
  afterEach(() => vi.useRealTimers());

  it("connects with the bootstrap's ticket and resumes from 0, so the hub replays the history", async () => {
    const { store, transport } = v2({}, "boot-ticket");
    await transport.start();
    await flush();
    const socket = FakeSocket.last();
    expect(socket.url).toBe("ws://rt.test/v2/ws?ticket=boot-ticket");
    expect(store.connection).toBe("connecting");

    socket.open();
    socket.receive(message(1, "INBOUND"), message(2));

    expect(socket.sent).toEqual([{ type: "resume", afterSeq: 0 }]);
    expect(store.connection).toBe("online");
    expect(seqs(store)).toEqual([1, 2]);
  });

  it("reconnects with a fresh ticket after backoff and resumes from the last seq, without losing or doubling a message", async () => {
    const { api, store, transport } = v2({ "POST /v2/widget/ws-ticket": [[200, { ticket: "second", expiresIn: 30 }]] }, "first");
    await transport.start();
    await flush();
    FakeSocket.last().open();
    FakeSocket.last().receive(message(1), message(2));

    FakeSocket.last().drop();
    expect(store.connection).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await flush();

    const socket = FakeSocket.last();
    expect(api.calls[api.calls.length - 1]).toMatchObject({ url: "http://api.test/v2/widget/ws-ticket?siteKey=wk_1", body: { conversationId: "c1" } });
    expect(socket.url).toBe("ws://rt.test/v2/ws?ticket=second");
    socket.open();
    expect(socket.sent).toEqual([{ type: "resume", afterSeq: 2 }]);
    socket.receive(message(2), message(3));
    expect(seqs(store)).toEqual([1, 2, 3]);
    expect(store.connection).toBe("online");
  });

  it("resumes after the last seq the socket delivered, not the seq of its own message's answer", async () => {
    const { store, transport } = v2({
      "POST /v2/widget/conversations/c1/messages": [[201, { ...message(6, "INBOUND", "hi"), type: undefined }]],
      "POST /v2/widget/ws-ticket": [[200, { ticket: "again", expiresIn: 30 }]],
    }, "first");
    await transport.start();
    await flush();
    FakeSocket.last().open();
    FakeSocket.last().receive(message(4));

    await transport.send("hi", "cm1", []);
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    FakeSocket.last().open();

    expect(FakeSocket.last().sent).toEqual([{ type: "resume", afterSeq: 4 }]);
    FakeSocket.last().receive(message(5), message(6, "INBOUND", "hi"));
    expect(seqs(store)).toEqual([4, 5, 6]);
  });

  it("renews the conversation token when the ticket call answers 401, then reconnects", async () => {
    const { api, transport } = v2({
      "POST /v2/widget/ws-ticket": [[401, { code: "invalid_token" }], [200, { ticket: "after-renewal", expiresIn: 30 }]],
      "POST /v2/widget/session": [[200, session("t2", "unused")]],
    }, "first");
    await transport.start();
    await flush();
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(1000);
    await flush(6);

    expect(api.calls.map((call) => new URL(call.url).pathname)).toEqual(["/v2/widget/ws-ticket", "/v2/widget/session", "/v2/widget/ws-ticket"]);
    expect(FakeSocket.last().url).toBe("ws://rt.test/v2/ws?ticket=after-renewal");
  });

  it("creates the conversation with the visitor's first message (with the identity), then sends it and connects", async () => {
    const { api, store, transport } = v2({
      "POST /v2/widget/session": [[404, { code: "no_session" }]],
      "POST /v2/widget/conversations": [[201, session("t1", "new-ticket")]],
      "POST /v2/widget/conversations/c1/messages": [[201, message(1, "INBOUND", "hello")]],
    });
    await transport.identify({ userId: "42", userHash: "h" });
    await transport.send("hello", "cm1", []);
    await flush();

    expect(api.calls.map((call) => new URL(call.url).pathname)).toEqual([
      "/v2/widget/session", "/v2/widget/conversations", "/v2/widget/conversations/c1/messages",
    ]);
    expect(api.calls[1]!.body).toEqual({ locale: "en", identity: { userId: "42", userHash: "h" } });
    expect(api.calls[2]!.body).toEqual({ text: "hello", clientMessageId: "cm1" });
    expect(FakeSocket.last().url).toBe("ws://rt.test/v2/ws?ticket=new-ticket");
    expect(seqs(store)).toEqual([1]);
  });

  it("finds the identified customer's conversation and connects to it", async () => {
    const { transport } = v2({ "POST /v2/widget/session": [[200, session("t1", "customer-ticket")]] });
    await transport.identify({ userId: "42", userHash: "h" });
    await flush();

    expect(FakeSocket.last().url).toBe("ws://rt.test/v2/ws?ticket=customer-ticket");
  });

  it("waits for identify() before a first message, so it writes into the customer's conversation instead of a new one", async () => {
    const { api, transport } = v2({
      "POST /v2/widget/session": [[200, session("t1", "customer-ticket")]],
      "POST /v2/widget/conversations/c1/messages": [[201, message(9, "INBOUND", "hi")]],
    });
    const identified = transport.identify({ userId: "42", userHash: "h" });
    const sent = transport.send("hi", "cm1", []);
    await Promise.all([identified, sent]);

    expect(api.calls.map((call) => new URL(call.url).pathname)).toEqual(["/v2/widget/session", "/v2/widget/conversations/c1/messages"]);
  });

  it("binds an existing conversation with POST identify, and stays anonymous with a warning when refused", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const { api, transport } = v2({
      "POST /v2/widget/identify": [[200, { customerId: "cu1" }], [401, { code: "identity_invalid" }]],
    }, "first");

    await transport.identify({ userId: "42", userHash: "h" });
    await transport.identify({ userId: "42", userHash: "wrong" });

    expect(api.calls.map((call) => [new URL(call.url).pathname, call.body])).toEqual([
      ["/v2/widget/identify", { userId: "42", userHash: "h" }], ["/v2/widget/identify", { userId: "42", userHash: "wrong" }],
    ]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("identity_invalid"));
    warn.mockRestore();
  });

  it("starts anonymously when the identity given before the first message is refused", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const { api, transport } = v2({
      "POST /v2/widget/session": [[404, { code: "no_session" }]],
      "POST /v2/widget/conversations": [[401, { code: "identity_invalid" }], [201, session("t1", "tk")]],
      "POST /v2/widget/conversations/c1/messages": [[201, message(1, "INBOUND")]],
    });
    await transport.identify({ userId: "42", userHash: "wrong" });
    await transport.send("m1", "cm1", []);

    expect(api.calls.filter((call) => call.url.includes("/conversations?")).map((call) => call.body)).toEqual([
      { locale: "en", identity: { userId: "42", userHash: "wrong" } }, { locale: "en" },
    ]);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it("sends typing and read frames only on an open socket", async () => {
    const { transport } = v2({}, "first");
    await transport.start();
    await flush();
    transport.typing();
    FakeSocket.last().open();
    transport.typing();
    transport.read(8);

    expect(FakeSocket.last().sent).toEqual([{ type: "resume", afterSeq: 0 }, { type: "typing" }, { type: "read", seq: 8 }]);
  });
});

describe("V1Transport", () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });
  afterEach(() => vi.useRealTimers());

  it("starts a v1 conversation, connects /ws with the token, and re-reads the messages on open and on each message frame", async () => {
    const page = (from: number, to: number) => ({
      messages: Array.from({ length: to - from + 1 }, (_, i) => ({ ...message(from + i), type: undefined })), nextAfterSeq: to,
    });
    const api = fakeApi({
      "POST /v1/conversations": [[201, { conversationId: "c1", token: "t1", refreshToken: "r1", expiresIn: 900 }]],
      "POST /v1/conversations/c1/messages": [[201, { ...message(1, "INBOUND", "hi"), type: undefined }]],
      "GET /v1/conversations/c1/messages": [[200, page(1, 1)], [200, page(2, 3)], [200, page(4, 4)]],
    });
    const store = new ChatStore();
    const transport = new V1Transport(new ConversationClient("http://api.test", api.fetch), store, "ws://rt.test", "en", sockets);

    await transport.send("hi", "cm1");
    await flush();
    const socket = FakeSocket.last();
    expect(socket.url).toBe("ws://rt.test/ws?conversationId=c1&token=t1");
    socket.open();
    await flush();
    socket.receive({ direction: "OUTBOUND", text: "m2", agent: "ann" });
    await flush();
    socket.receive({ type: "agent_joined", agent: "ann" });

    socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    FakeSocket.last().open();
    await flush();

    const reads = api.calls.filter((call) => call.method === "GET").map((call) => new URL(call.url).searchParams.get("afterSeq"));
    expect(reads).toEqual(["0", "1", "3"]);
    expect(store.list().map((item) => item.kind === "message" ? item.seq : item.kind)).toEqual([1, 2, 3, "agent_joined", 4]);
  });
});
