import { describe, expect, it } from "vitest";
import { ApiProblem, ConversationClient } from "../src/conversationClient";

interface Call { url: string; init: RequestInit }

function scripted(responses: Array<[number, unknown]>) {
  const calls: Call[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    const [status, body] = responses.shift() ?? [500, {}];
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  };
  return { calls, fetchImpl: fetchImpl as typeof fetch };
}

describe("ConversationClient", () => {
  it("starts a conversation and sends with the conversation token and an idempotency key", async () => {
    const { calls, fetchImpl } = scripted([
      [201, { conversationId: "c1", token: "t1", refreshToken: "r1", expiresIn: 900 }],
      [201, { id: "m1", seq: 1, direction: "INBOUND", text: "hi", createdAt: "2026-01-01T00:00:00Z" }],
    ]);
    const client = new ConversationClient("http://api.test", fetchImpl);

    await client.start({ name: "Ann" });
    const sent = await client.send("hi", "11111111-1111-4111-8111-111111111111");

    expect(sent.seq).toBe(1);
    expect(calls[1]!.url).toBe("http://api.test/v1/conversations/c1/messages");
    expect((calls[1]!.init.headers as Record<string, string>)["Authorization"]).toBe("Bearer t1");
    expect(JSON.parse(calls[1]!.init.body as string)).toEqual({ text: "hi", clientMessageId: "11111111-1111-4111-8111-111111111111" });
  });

  it("refreshes an expired token once and retries with the rotated one", async () => {
    const { calls, fetchImpl } = scripted([
      [201, { conversationId: "c1", token: "t1", refreshToken: "r1", expiresIn: 900 }],
      [401, { code: "unauthorized", title: "expired" }],
      [200, { token: "t2", refreshToken: "r2", expiresIn: 900 }],
      [200, { messages: [], nextAfterSeq: 0 }],
    ]);
    const client = new ConversationClient("http://api.test", fetchImpl);
    await client.start();

    await client.messages(0);

    expect(JSON.parse(calls[2]!.init.body as string)).toEqual({ refreshToken: "r1" });
    expect((calls[3]!.init.headers as Record<string, string>)["Authorization"]).toBe("Bearer t2");
    expect(calls[3]!.url).toBe("http://api.test/v1/conversations/c1/messages?afterSeq=0&limit=50");
  });

  it("surfaces a problem's stable code", async () => {
    const { fetchImpl } = scripted([[429, { code: "rate_limited", title: "Too many requests" }]]);
    const client = new ConversationClient("http://api.test", fetchImpl);

    await expect(client.start()).rejects.toMatchObject(new ApiProblem(429, "rate_limited", "Too many requests"));
  });
});
