import { describe, expect, it } from "vitest";
import { ApiProblem } from "../src/problem";
import { WidgetApi } from "../src/widgetApi";
import { FakeXhr, fakeApi } from "./fakes";

const session = (token: string, ticket = "tk") => ({ conversationId: "c1", token, expiresIn: 900, ticket });
const sent = { id: "m1", seq: 1, direction: "INBOUND", text: "hi", createdAt: "2026-01-01T10:00:00Z" };

describe("WidgetApi", () => {
  it("starts a conversation with the site key and credentials, then sends with the conversation token", async () => {
    const api = fakeApi({ "POST /v2/widget/conversations": [[201, session("t1")]], "POST /v2/widget/conversations/c1/messages": [[201, sent]] });
    const widget = new WidgetApi("http://api.test", "wk_1", api.fetch);

    const ticket = await widget.createConversation({ locale: "de" });
    await widget.sendMessage({ text: "hi", clientMessageId: "cm1" });

    expect(ticket).toBe("tk");
    expect(api.calls[0]).toMatchObject({ url: "http://api.test/v2/widget/conversations?siteKey=wk_1", credentials: "include", body: { locale: "de" } });
    expect(api.calls[1]).toMatchObject({ headers: { Authorization: "Bearer t1" }, body: { text: "hi", clientMessageId: "cm1" } });
  });

  it("renews the token through the cookie after a 401 and retries once with the new one", async () => {
    const api = fakeApi({
      "POST /v2/widget/ws-ticket": [[401, { code: "invalid_token" }], [200, { ticket: "fresh", expiresIn: 30 }]],
      "POST /v2/widget/session": [[200, session("t2")]],
    });
    const widget = new WidgetApi("http://api.test", "wk_1", api.fetch);
    widget.adopt(session("t1"));

    expect(await widget.wsTicket()).toBe("fresh");
    expect(api.calls.map((call) => call.url)).toEqual([
      "http://api.test/v2/widget/ws-ticket?siteKey=wk_1", "http://api.test/v2/widget/session?siteKey=wk_1", "http://api.test/v2/widget/ws-ticket?siteKey=wk_1",
    ]);
    expect(api.calls[1]!.credentials).toBe("include");
    expect(api.calls[2]!.headers["Authorization"]).toBe("Bearer t2");
  });

  it("renews a token that expires within a minute before using it", async () => {
    let now = 0;
    const api = fakeApi({ "POST /v2/widget/session": [[200, session("t2")]], "POST /v2/widget/ws-ticket": [[200, { ticket: "x", expiresIn: 30 }]] });
    const widget = new WidgetApi("http://api.test", "wk_1", api.fetch, () => now);
    widget.adopt(session("t1"));
    now = 841_000;

    await widget.wsTicket();

    expect(api.calls.map((call) => new URL(call.url).pathname)).toEqual(["/v2/widget/session", "/v2/widget/ws-ticket"]);
    expect(api.calls[1]!.headers["Authorization"]).toBe("Bearer t2");
  });

  it("does not renew the token when the identity is what the Api refused", async () => {
    const api = fakeApi({ "POST /v2/widget/identify": [[401, { code: "identity_invalid", detail: "bad hash" }]] });
    const widget = new WidgetApi("http://api.test", "wk_1", api.fetch);
    widget.adopt(session("t1"));

    await expect(widget.identify({ userId: "42", userHash: "nope" })).rejects.toMatchObject({ status: 401, code: "identity_invalid", detail: "bad hash" });
    expect(api.calls).toHaveLength(1);
  });

  it("answers no session (404 no_session) as undefined and sends only userId and userHash", async () => {
    const api = fakeApi({ "POST /v2/widget/session": [[404, { code: "no_session" }]] });
    const widget = new WidgetApi("http://api.test", "wk_1", api.fetch);

    expect(await widget.resumeSession({ userId: "42", userHash: "h", name: "Ann" })).toBeUndefined();
    expect(api.calls[0]!.body).toEqual({ identity: { userId: "42", userHash: "h" } });
    expect(widget.conversationId).toBeUndefined();
  });

  it("uploads a file as multipart with progress, and reads a refusal's problem", async () => {
    FakeXhr.instances = [];
    const widget = new WidgetApi("http://api.test", "wk_1", fakeApi({}).fetch, Date.now, () => new FakeXhr() as unknown as XMLHttpRequest);
    widget.adopt(session("t1"));
    const progress: number[] = [];
    const file = new File(["abc"], "a.png", { type: "image/png" });

    const uploaded = widget.upload(file, (fraction) => progress.push(fraction));
    const xhr = FakeXhr.instances[0]!;
    xhr.progress(1, 2);
    xhr.answer(201, { id: "a1", name: "a.png", contentType: "image/png", size: 3 });

    await expect(uploaded).resolves.toMatchObject({ id: "a1" });
    expect(progress).toEqual([0.5]);
    expect(xhr.url).toBe("http://api.test/v2/widget/attachments?siteKey=wk_1");
    expect(xhr.headers["Authorization"]).toBe("Bearer t1");
    expect((xhr.body?.get("file") as File).name).toBe("a.png");

    const refused = widget.upload(file, () => undefined);
    FakeXhr.instances[1]!.answer(413, { code: "attachment_too_large", detail: "At most 5 MB." });
    await expect(refused).rejects.toEqual(new ApiProblem(413, "attachment_too_large", "", "At most 5 MB."));
  });
});
