// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeSocket, bootstrap, fakeWebSocket, flush, message } from "./fakes";

function loaderScript(): HTMLScriptElement {
  const script = document.createElement("script");
  script.src = "https://api.test/widget.js";
  script.dataset["siteKey"] = "wk_1";
  Object.defineProperty(document, "currentScript", { value: script, configurable: true });
  return script;
}

async function runLoader(answer: () => Promise<Response>) {
  const fetch = vi.fn(answer);
  vi.stubGlobal("fetch", fetch);
  loaderScript();
  vi.resetModules();
  await import("../src/loader");
  await flush();
  return fetch;
}

const json = (status: number, body: unknown) => async () => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const injected = () => document.head.querySelector<HTMLScriptElement>("script");

describe("the loader (widget.js)", () => {
  beforeEach(() => {
    delete window.OmniChat;
    document.head.replaceChildren();
  });
  afterEach(() => vi.unstubAllGlobals());

  it("queues calls on its stub, fetches the bootstrap with credentials, and injects the app with its integrity", async () => {
    const boot = bootstrap();
    let resolve!: (response: Response) => void;
    const fetch = await runLoader(() => new Promise((r) => (resolve = r)));
    window.OmniChat!.open();
    window.OmniChat!.identify({ userId: "42", userHash: "h" });

    expect(fetch).toHaveBeenCalledWith(`https://api.test/v2/widget/bootstrap?siteKey=wk_1&locale=${encodeURIComponent(navigator.language)}`, { credentials: "include" });
    expect(window.OmniChat!.q).toEqual([["open"], ["identify", { userId: "42", userHash: "h" }]]);

    resolve(await json(200, boot)());
    await flush();
    expect(injected()!.src).toBe(boot.app.url);
    expect(injected()!.integrity).toBe("sha384-x");
    expect(injected()!.crossOrigin).toBe("anonymous");
    expect(window.OmniChat!.boot).toEqual({ api: "https://api.test", siteKey: "wk_1", bootstrap: boot });
  });

  it("keeps a queueing stub the page made itself, with the calls already in it", async () => {
    const pageStub = { q: [["open"]] };
    Object.assign(window, { OmniChat: pageStub });
    await runLoader(json(200, bootstrap()));

    expect(window.OmniChat).toBe(pageStub);
    window.OmniChat!.close();
    expect(window.OmniChat!.q).toEqual([["open"], ["close"]]);
  });

  it("still injects the app, from its fallback URL and with the problem, when the origin is not allowed", async () => {
    await runLoader(json(403, { code: "origin_not_allowed", detail: "https://evil.test may not use this widget." }));

    expect(injected()!.src).toBe("https://api.test/widget/app.js");
    expect(window.OmniChat!.boot!.problem).toEqual({ status: 403, code: "origin_not_allowed", detail: "https://evil.test may not use this widget." });
  });

  it("hands a network failure to the app as well", async () => {
    await runLoader(async () => { throw new TypeError("Failed to fetch"); });
    expect(window.OmniChat!.boot!.problem).toEqual({ status: 0 });
  });
});

describe("the app (app.js)", () => {
  beforeEach(() => {
    document.body.replaceChildren();
    delete window.OmniChat;
  });
  afterEach(() => vi.unstubAllGlobals());

  it("runs the calls queued before it loaded, in order, on the same OmniChat object", async () => {
    const opened = vi.fn();
    const stub = { q: [["on", "open", opened], ["open"]], boot: { api: "https://api.test", siteKey: "wk_1", bootstrap: bootstrap() } };
    window.OmniChat = stub as never;
    vi.resetModules();
    await import("../src/app");

    const root = document.getElementById("omnichat-widget")!.shadowRoot!;
    expect(window.OmniChat).toBe(stub);
    expect(window.OmniChat).not.toHaveProperty("q");
    expect(opened).toHaveBeenCalledOnce();
    expect(root.querySelector<HTMLElement>('[data-testid="panel"]')!.hidden).toBe(false);
    expect(Object.keys(window.OmniChat!).sort()).toEqual(["close", "identify", "on", "open"].sort());
  });

  it("connects to the bootstrap's conversation and counts as unread only what was not seen before the reload", async () => {
    FakeSocket.instances = [];
    vi.stubGlobal("WebSocket", fakeWebSocket);
    localStorage.setItem("omnichat.seen.c1", "2");
    const conversation = { conversationId: "c1", token: "t", expiresIn: 900, ticket: "tk" };
    Object.assign(window, { OmniChat: { q: [], boot: { api: "https://api.test", siteKey: "wk_1", bootstrap: bootstrap({ conversation }) } } });
    vi.resetModules();
    await import("../src/app");
    await flush();

    const socket = FakeSocket.last();
    expect(socket.url).toBe("ws://rt.test/v2/ws?ticket=tk");
    socket.open();
    socket.receive(message(1), message(2), message(3));
    const badge = document.getElementById("omnichat-widget")!.shadowRoot!.querySelector('[data-testid="unread-badge"]')!;
    expect(badge.textContent).toBe("1");

    window.OmniChat!.open();
    expect(localStorage.getItem("omnichat.seen.c1")).toBe("3");
    expect(socket.sent).toEqual([{ type: "resume", afterSeq: 0 }, { type: "read", seq: 3 }]);
  });

  it("shows the problem the loader passed", async () => {
    window.OmniChat = { q: [], boot: { api: "https://api.test", siteKey: "wk_1", problem: { status: 403, detail: "Not on the allowlist." } } } as never;
    vi.resetModules();
    await import("../src/app");

    const error = document.getElementById("omnichat-widget")!.shadowRoot!.querySelector('[data-testid="error"]')!;
    expect(error.textContent).toBe("Not on the allowlist.");
  });
});
