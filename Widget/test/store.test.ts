import { afterEach, describe, expect, it, vi } from "vitest";
import { ChatStore } from "../src/store";
import { message } from "./fakes";

const messages = (store: ChatStore) => store.list().filter((item) => item.kind === "message");

describe("ChatStore", () => {
  afterEach(() => vi.useRealTimers());

  it("shows a message once when the socket and the POST answer both deliver it", () => {
    const store = new ChatStore();
    store.applyFrame(message(1, "INBOUND"));
    store.addMessage(message(1, "INBOUND"));
    store.applyFrame(message(1, "INBOUND"));

    expect(messages(store)).toHaveLength(1);
  });

  it("moves the resume point with socket frames only, as an HTTP answer may be ahead of a seq still on its way", () => {
    const store = new ChatStore();
    store.applyFrame(message(4));
    store.addMessage(message(6, "INBOUND"));

    expect(store.lastSeq).toBe(4);
    store.applyFrame(message(5));
    store.applyFrame(message(6, "INBOUND"));
    expect(store.lastSeq).toBe(6);
    expect(messages(store).map((item) => item.seq)).toEqual([4, 5, 6]);
  });

  it("replaces the optimistic echo with the stored message, whichever arrives first", () => {
    const store = new ChatStore();
    store.addPending("c1", "hello", []);
    store.addPending("c2", "again", []);
    expect(messages(store).map((item) => item.state)).toEqual(["sending", "sending"]);

    store.applyFrame(message(3, "INBOUND", "hello"));
    store.addMessage(message(3, "INBOUND", "hello"));
    store.addMessage(message(4, "INBOUND", "again"));

    expect(messages(store).map((item) => [item.seq, item.state, item.text])).toEqual([[3, "sent", "hello"], [4, "sent", "again"]]);
  });

  it("keeps events in seq order and drops a replayed event", () => {
    const store = new ChatStore();
    store.applyFrame({ type: "agent_joined", seq: 2, agent: "ann", createdAt: "2026-01-01T10:00:00Z" });
    store.applyFrame(message(1, "INBOUND"));
    store.applyFrame({ type: "agent_joined", seq: 2, agent: "ann", createdAt: "2026-01-01T10:00:00Z" });

    expect(store.list().map((item) => item.kind)).toEqual(["message", "agent_joined"]);
  });

  it("is closed after conversation_closed and open again after a later message", () => {
    const store = new ChatStore();
    store.applyFrame({ type: "conversation_closed", seq: 5, createdAt: "2026-01-01T10:00:00Z" });
    expect(store.closed).toBe(true);

    store.addMessage(message(6, "INBOUND"));
    expect(store.closed).toBe(false);
  });

  it("shows the agent typing for 5 seconds, or until the agent's message", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const store = new ChatStore();
    store.applyFrame({ type: "typing", from: "visitor" });
    expect(store.agentTyping).toBe(false);

    store.applyFrame({ type: "typing", from: "agent" });
    expect(store.agentTyping).toBe(true);
    vi.advanceTimersByTime(4999);
    expect(store.agentTyping).toBe(true);
    vi.advanceTimersByTime(1);
    expect(store.agentTyping).toBe(false);

    store.applyFrame({ type: "typing", from: "agent" });
    store.applyFrame(message(1));
    expect(store.agentTyping).toBe(false);
  });

  it("marks the visitor's last message read when the agent's receipt covers its seq", () => {
    const store = new ChatStore();
    store.applyFrame(message(1, "INBOUND"));
    store.applyFrame(message(2, "INBOUND"));
    store.applyFrame({ type: "read", seq: 1, from: "agent" });
    expect(store.readMessageKey).toBeUndefined();

    store.applyFrame({ type: "read", seq: 9, from: "visitor" });
    expect(store.readMessageKey).toBeUndefined();

    store.applyFrame({ type: "read", seq: 2, from: "agent" });
    expect(store.readMessageKey).toBe("mid2");
  });

  it("counts the agent's messages the visitor has not seen", () => {
    const store = new ChatStore();
    store.applyFrame(message(1));
    store.applyFrame(message(2, "INBOUND"));
    store.applyFrame(message(3));
    expect(store.unread).toBe(2);

    store.markSeen(3);
    expect(store.unread).toBe(0);
  });

  it("tells message listeners about each new message once, in the contract's shape", () => {
    const store = new ChatStore();
    const seen: unknown[] = [];
    store.onMessage((published) => seen.push(published));
    store.applyFrame(message(1));
    store.addMessage(message(1));

    expect(seen).toEqual([{ id: "id1", seq: 1, direction: "OUTBOUND", text: "m1", agent: "ann", createdAt: "2026-01-01T10:00:00Z" }]);
  });
});
