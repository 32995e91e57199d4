// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { contrastRatio, themeColors } from "../src/color";
import { ChatStore } from "../src/store";
import type { ChatTransport } from "../src/transports";
import { startWidget } from "../src/widget";
import type { Bootstrap } from "../src/widgetApi";
import { bootstrap, flush, message } from "./fakes";

function fakeTransport(): ChatTransport & { sent: unknown[][]; reads: number[]; typings: number; uploads: File[] } {
  const transport = {
    sent: [] as unknown[][], reads: [] as number[], typings: 0, uploads: [] as File[],
    start: async () => undefined,
    send: async (...args: unknown[]) => void transport.sent.push(args),
    typing: () => void transport.typings++,
    read: (seq: number) => void transport.reads.push(seq),
    identify: async () => undefined,
    upload: async (file: File) => {
      transport.uploads.push(file);
      return { id: "a1", name: file.name, contentType: file.type, size: file.size };
    },
    attachmentLink: async () => ({ url: "https://files.test/a1", expiresAt: "2099-01-01T00:00:00Z" }),
  };
  return transport;
}

function mount(boot: Bootstrap = bootstrap(), problem?: string) {
  const store = new ChatStore();
  const transport = fakeTransport();
  const widget = startWidget(problem ? { boot, store, transport, problem } : { boot, store, transport });
  const root = widget.view.root;
  const $ = <T extends HTMLElement = HTMLElement>(testId: string) => root.querySelector<T>(`[data-testid="${testId}"]`)!;
  return { store, transport, widget, root, $ };
}

const key = (target: EventTarget, init: KeyboardEventInit) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, composed: true, cancelable: true, ...init }));

describe("the widget's DOM", () => {
  beforeEach(() => document.body.replaceChildren());
  afterEach(() => vi.restoreAllMocks());

  it("lives in an open shadow root of one host element, styled inline against the page", () => {
    const { root } = mount();
    const host = document.getElementById("omnichat-widget")!;

    expect(host.shadowRoot).toBe(root);
    expect(host.style.getPropertyValue("position")).toBe("fixed");
    expect(host.style.getPropertyPriority("position")).toBe("important");
    expect(host.style.getPropertyPriority("z-index")).toBe("important");
    expect(document.body.children).toHaveLength(1);
    const css = root.querySelector("style")?.textContent ?? [...root.adoptedStyleSheets[0]!.cssRules].map((rule) => rule.cssText).join("\n");
    expect(css).toContain("prefers-reduced-motion");
  });

  it("names its dialog, log and controls for assistive technology", () => {
    const { root, $ } = mount();
    const panel = $("panel");

    expect(panel.getAttribute("role")).toBe("dialog");
    expect(panel.getAttribute("aria-modal")).toBe("true");
    expect(root.getElementById(panel.getAttribute("aria-labelledby")!)!.textContent).toBe("Chat with us");
    expect($("message-list").getAttribute("role")).toBe("log");
    expect($("message-list").getAttribute("aria-live")).toBe("polite");
    for (const control of root.querySelectorAll("button, textarea, input")) {
      expect(control.getAttribute("aria-label") ?? control.textContent, control.outerHTML).toBeTruthy();
    }
    expect($("launcher").getAttribute("aria-expanded")).toBe("false");
  });

  it("moves focus into the panel on open, keeps it there with Tab, and gives it back to the launcher on Escape", () => {
    const { root, $, widget } = mount();
    const opened = vi.fn();
    const closed = vi.fn();
    widget.on("open", opened);
    widget.on("close", closed);

    $("launcher").click();
    expect($("panel").hidden).toBe(false);
    expect(root.activeElement).toBe($("composer"));
    expect(opened).toHaveBeenCalledOnce();

    const telegramLess = [...$("panel").querySelectorAll<HTMLElement>("button, textarea, [tabindex='0']")].filter((e) => !e.closest("[hidden]"));
    const first = telegramLess[0]!;
    const last = telegramLess[telegramLess.length - 1]!;
    last.focus();
    key(last, { key: "Tab" });
    expect(root.activeElement).toBe(first);
    key(first, { key: "Tab", shiftKey: true });
    expect(root.activeElement).toBe(last);

    key($("composer"), { key: "Escape" });
    expect($("panel").hidden).toBe(true);
    expect(root.activeElement).toBe($("launcher"));
    expect(closed).toHaveBeenCalledOnce();
  });

  it("sends on Enter but not on Shift+Enter, with an optimistic echo", async () => {
    const { $, transport, store } = mount();
    $("launcher").click();
    const input = $<HTMLTextAreaElement>("composer");
    input.value = "line one";
    key(input, { key: "Enter", shiftKey: true });
    await flush();
    expect(transport.sent).toHaveLength(0);

    key(input, { key: "Enter" });
    await flush();

    expect(transport.sent[0]?.[0]).toBe("line one");
    expect(input.value).toBe("");
    expect(store.list()[0]).toMatchObject({ state: "sending", text: "line one" });
    expect($("message-list").querySelector('[data-testid="message"]')!.getAttribute("data-direction")).toBe("INBOUND");
  });

  it("lays the panel out right to left for an rtl bootstrap", () => {
    const { $ } = mount(bootstrap({ direction: "rtl", locale: "ar" }));
    expect($("panel").getAttribute("dir")).toBe("rtl");
  });

  it("counts unread agent messages on the launcher while closed, and sends a read receipt once they are shown", () => {
    const { $, store, transport } = mount();
    store.applyFrame(message(1));
    store.applyFrame(message(2));

    expect($("unread-badge").hidden).toBe(false);
    expect($("unread-badge").textContent).toBe("2");
    expect($("launcher").getAttribute("aria-label")).toBe("Open chat (2)");
    expect(transport.reads).toEqual([]);

    $("launcher").click();
    expect($("unread-badge").hidden).toBe(true);
    expect(transport.reads).toEqual([2]);
  });

  it("shows agent lines, notes, the closed state, typing and the read marker", () => {
    const { $, root, store } = mount();
    store.applyFrame(message(1, "INBOUND", "hello"));
    store.applyFrame({ type: "agent_joined", seq: 2, agent: "Ann", createdAt: "2026-01-01T10:00:00Z" });
    store.applyFrame({ type: "info_note", id: "n", seq: 3, text: "We answer 9-17", createdAt: "2026-01-01T10:00:00Z" });
    store.applyFrame({ type: "typing", from: "agent" });
    store.applyFrame({ type: "read", seq: 1, from: "agent" });
    store.applyFrame({ type: "conversation_closed", seq: 4, createdAt: "2026-01-01T10:00:00Z" });

    const lines = [...root.querySelectorAll('[data-testid="system"]')].map((line) => line.textContent);
    expect(lines).toEqual(["Ann joined the chat", "We answer 9-17", "This conversation was closed."]);
    expect($("typing").hidden).toBe(false);
    expect($("read-marker").previousElementSibling!.getAttribute("data-seq")).toBe("1");
    expect($<HTMLTextAreaElement>("composer").placeholder).toBe("Write to start again");
  });

  it("checks a file's size and type against the bootstrap before uploading it", async () => {
    const { $, transport } = mount();
    const input = $<HTMLInputElement>("attach-input");
    const pick = (file: File) => {
      Object.defineProperty(input, "files", { value: [file], configurable: true });
      input.dispatchEvent(new Event("change"));
    };

    pick(new File(["x".repeat(1001)], "big.png", { type: "image/png" }));
    expect($("error").textContent).toContain("This file is too large.");
    pick(new File(["x"], "run.exe", { type: "application/x-msdownload" }));
    expect($("error").textContent).toContain("This file type is not supported.");
    expect(transport.uploads).toEqual([]);

    pick(new File(["x"], "ok.pdf", { type: "application/pdf" }));
    await flush();
    expect(transport.uploads.map((file) => file.name)).toEqual(["ok.pdf"]);
    expect($("uploads").textContent).toContain("ok.pdf");
  });

  it("shows the offline text and no composer for an offline tenant", () => {
    const { $ } = mount(bootstrap({ status: "offline" }));
    expect($("message-list").textContent).toContain("Chat is not available right now.");
    expect($("composer-form").hidden).toBe(true);
  });

  it("shows why it cannot work when the bootstrap failed", () => {
    const { $ } = mount(bootstrap(), "This site may not use the chat.");
    $("launcher").click();
    expect($("error").hidden).toBe(false);
    expect($("error").textContent).toBe("This site may not use the chat.");
    expect($("composer-form").hidden).toBe(true);
  });

  it("offers Telegram when the tenant has a bot", () => {
    const { $ } = mount(bootstrap({ features: { telegramUrl: "https://t.me/acme_bot" } }));
    expect($<HTMLAnchorElement>("telegram").href).toBe("https://t.me/acme_bot");
  });
});

describe("the widget's behaviour", () => {
  beforeEach(() => document.body.replaceChildren());
  afterEach(() => vi.restoreAllMocks());

  it("uploads files dropped on the panel or pasted into the composer", async () => {
    const { $, transport } = mount();
    const files = (...list: File[]) => ({ files: list });
    const drop = new Event("drop", { bubbles: true, cancelable: true });
    Object.defineProperty(drop, "dataTransfer", { value: files(new File(["x"], "dropped.png", { type: "image/png" })) });
    const paste = new Event("paste", { bubbles: true, cancelable: true });
    Object.defineProperty(paste, "clipboardData", { value: files(new File(["x"], "pasted.png", { type: "image/png" })) });

    $("panel").dispatchEvent(drop);
    $("composer").dispatchEvent(paste);
    await flush();

    expect(transport.uploads.map((file) => file.name)).toEqual(["dropped.png", "pasted.png"]);
    expect(drop.defaultPrevented && paste.defaultPrevented).toBe(true);
  });

  it("sends the uploaded attachments' ids with the message", async () => {
    const { $, transport } = mount();
    const input = $<HTMLInputElement>("attach-input");
    Object.defineProperty(input, "files", { value: [new File(["x"], "a.pdf", { type: "application/pdf" })] });
    input.dispatchEvent(new Event("change"));
    $<HTMLTextAreaElement>("composer").value = "see attached";
    $("send").click();
    await flush();

    expect(transport.sent).toEqual([["see attached", expect.any(String), ["a1"]]]);
    expect($("uploads").children).toHaveLength(0);
  });

  it("keeps a message that could not be sent, shows the problem's detail, and sends it again on retry", async () => {
    const { $, transport, store } = mount();
    const { ApiProblem } = await import("../src/problem");
    const send = vi.spyOn(transport, "send").mockRejectedValueOnce(new ApiProblem(429, "rate_limited", "Too many", "Slow down a little."));
    $<HTMLTextAreaElement>("composer").value = "hello";
    $("send").click();
    await flush();

    expect($("error").textContent).toBe("Slow down a little.");
    expect(store.list()[0]).toMatchObject({ state: "failed", text: "hello" });
    $("retry").click();
    await flush();

    expect(send).toHaveBeenCalledTimes(2);
    expect(send.mock.calls[1]![1]).toBe(send.mock.calls[0]![1]);
    expect($("error").hidden).toBe(true);
  });

  it("tells message handlers about each new message and ignores identify() without an identity secret", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const { widget, store, transport } = mount(bootstrap({ features: {} }));
    const identify = vi.spyOn(transport, "identify");
    const handler = vi.fn();
    widget.on("message", handler);

    store.applyFrame(message(1));
    store.applyFrame(message(1));
    widget.identify({ userId: "42", userHash: "h" });

    expect(handler).toHaveBeenCalledOnce();
    expect(handler).toHaveBeenCalledWith(expect.objectContaining({ id: "id1", seq: 1, direction: "OUTBOUND", agent: "ann" }));
    expect(identify).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalled();
  });

  it("shows the connection state in the header", () => {
    const { $, store } = mount();
    store.setConnection("connecting");
    expect($("connection-state").textContent).toBe("Connecting…");
    store.setConnection("reconnecting");
    expect($("connection-state").textContent).toBe("Reconnecting…");
    store.setConnection("online");
    expect($("connection-state").dataset["state"]).toBe("online");
  });
});

describe("themeColors", () => {
  it("picks a text colour with at least 4.5:1 contrast on any theme colour", () => {
    for (const primary of ["#2563eb", "#ffff00", "#777777", "#808080", "#00ff00", "#ff0000", "#000", "#fff", "#0ea5e9", "#7c3aed"]) {
      const { onPrimary } = themeColors(primary);
      expect(contrastRatio(primary, onPrimary), primary).toBeGreaterThanOrEqual(4.5);
    }
    expect(themeColors("red; background: url(x)").primary).toBe("#2563eb");
  });
});
