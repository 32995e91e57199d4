// The widget's DOM: one host element with an open shadow root holding the launcher and the dialog. Plain DOM; every
// store change re-renders, creating each list item's element once and moving nothing that is already in place.
import { ApiProblem } from "./problem";
import type { ChatStore, EventItem, Item, MessageItem } from "./store";
import { HOST_STYLE, stylesheet } from "./styles";
import type { ChatTransport } from "./transports";
import type { Attachment, Bootstrap } from "./widgetApi";

export const HOST_ID = "omnichat-widget";
const TYPING_SIGNAL_MS = 2000;
const CHAT_ICON = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z";
const CLOSE_ICON = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z";
const SEND_ICON = "M3 20.5V14l9-2-9-2V3.5L22 12z";
const ATTACH_ICON = "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z";

type Attributes = Record<string, string | boolean | undefined>;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

// Icons are built as elements, not parsed from markup, so pages enforcing Trusted Types accept them.
function iconButton(path: string, label: string, attributes: Attributes = {}): HTMLButtonElement {
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const shape = document.createElementNS(svgNs, "path");
  shape.setAttribute("d", path);
  svg.append(shape);
  return h("button", { type: "button", class: "icon", "aria-label": label, ...attributes }, svg);
}

/** Whether the bootstrap's list of types (exact, or "image/*") admits a file's type. */
export function acceptsType(types: string[], type: string): boolean {
  return types.some((allowed) => allowed === type || (allowed.endsWith("/*") && type.startsWith(allowed.slice(0, -1))));
}

/** A file being uploaded from the composer: its chip, and its attachment once the Api has stored it (undefined if that failed). */
interface Upload { done: Promise<Attachment | undefined>; row: HTMLElement }

export interface ViewOptions {
  boot: Bootstrap;
  store: ChatStore;
  transport: ChatTransport;
  /** Why the widget cannot work (the bootstrap failed): shown instead of the composer. */
  problem?: string;
  emit(event: "open" | "close"): void;
}

export class WidgetView {
  readonly host: HTMLElement;
  readonly root: ShadowRoot;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly state: HTMLElement;
  private readonly log: HTMLElement;
  private readonly typing: HTMLElement;
  private readonly error: HTMLElement;
  private readonly uploadsRow: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly fileInput: HTMLInputElement;
  private readonly readMarker: HTMLElement;
  private readonly greeting: HTMLElement;
  private readonly elements = new Map<string, HTMLElement>();
  private readonly uploads: Upload[] = [];
  /** The visitor's messages not stored yet, by clientMessageId: what a retry sends again. */
  private readonly outgoing = new Map<string, { text: string; attachments: Attachment[] }>();
  private readonly time: { today: Intl.DateTimeFormat; other: Intl.DateTimeFormat };
  private lastTypingSignal = -Infinity;
  private readSent = 0;
  private readonly problem: string | undefined;

  constructor(private readonly options: ViewOptions) {
    const { boot } = options;
    const texts = boot.texts;
    this.problem = options.problem;
    this.time = {
      today: dateFormat(boot.locale, { hour: "2-digit", minute: "2-digit" }),
      other: dateFormat(boot.locale, { dateStyle: "short", timeStyle: "short" }),
    };
    this.host = h("div", { id: HOST_ID });
    // Through the CSSOM, not a style attribute: a page's Content-Security-Policy may forbid inline style attributes.
    for (const [property, value] of HOST_STYLE) this.host.style.setProperty(property, value, "important");
    this.root = this.host.attachShadow({ mode: "open" });

    this.badge = h("span", { class: "badge", "data-testid": "unread-badge", "aria-hidden": "true", hidden: true });
    this.launcher = iconButton(CHAT_ICON, texts.open, {
      class: "launcher", "data-testid": "launcher", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "oc-panel",
    });
    this.launcher.append(this.badge);

    this.state = h("p", { class: "state", "data-testid": "connection-state", role: "status" });
    const close = iconButton(CLOSE_ICON, texts.close, { "data-testid": "close" });
    this.greeting = h("p", { class: "greeting" }, boot.status === "offline" ? texts.offline : texts.greeting);
    this.log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-labelledby": "oc-title", "data-testid": "message-list", tabindex: "0" }, this.greeting);
    this.typing = h("p", { class: "typing", "data-testid": "typing", "aria-live": "polite", hidden: true }, texts.typing);
    this.error = h("p", { class: "error", "data-testid": "error", role: "alert", hidden: true });
    this.readMarker = h("span", { class: "read", "data-testid": "read-marker" }, texts.read);
    this.uploadsRow = h("div", { class: "uploads", "data-testid": "uploads" });

    this.input = h("textarea", { id: "oc-input", rows: "1", placeholder: texts.placeholder, "data-testid": "composer", "aria-label": texts.placeholder });
    this.fileInput = h("input", { type: "file", multiple: true, hidden: true, "data-testid": "attach-input", "aria-label": texts.attach, tabindex: "-1" });
    const attachments = boot.features.attachments;
    if (attachments) this.fileInput.accept = attachments.types.join(",");
    const attach = iconButton(ATTACH_ICON, texts.attach, { "data-testid": "attach" });
    const send = iconButton(SEND_ICON, texts.send, { type: "submit", class: "icon send", "data-testid": "send" });
    const composer = h("form", { class: "composer", "data-testid": "composer-form" }, this.input, this.fileInput, send);
    if (attachments && options.transport.upload) composer.insertBefore(attach, send);
    const canWrite = boot.status !== "offline" && !this.problem;
    if (!canWrite) composer.hidden = true;

    const footer = h("p", { class: "footer" });
    if (boot.features.telegramUrl?.startsWith("https://")) {
      footer.append(h("a", { href: boot.features.telegramUrl, target: "_blank", rel: "noopener", "data-testid": "telegram" }, texts.continueInTelegram));
    }

    this.panel = h("div", {
      id: "oc-panel", class: "panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "oc-title", dir: boot.direction,
      lang: boot.locale, "data-testid": "panel", hidden: true,
    },
    h("header", {}, h("div", { class: "grow" }, h("h2", { id: "oc-title" }, texts.title), this.state), close),
    this.log, this.typing, this.error, this.uploadsRow, composer, footer);

    const style = styleFor(this.root, stylesheet(boot.theme.primaryColor));
    const wrapper = h("div", { class: boot.theme.position === "left" ? "left" : "right", dir: boot.direction }, this.launcher, this.panel);
    this.root.append(...style, wrapper);

    this.launcher.addEventListener("click", () => (options.store.isOpen ? this.close() : this.open()));
    close.addEventListener("click", () => this.close());
    this.panel.addEventListener("keydown", (event) => this.onKeydown(event));
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.send();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void this.send();
      }
    });
    this.input.addEventListener("input", () => this.onInput());
    attach.addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => {
      this.addFiles([...(this.fileInput.files ?? [])]);
      this.fileInput.value = "";
    });
    if (attachments && options.transport.upload && canWrite) {
      this.input.addEventListener("paste", (event) => {
        const files = [...(event.clipboardData?.files ?? [])];
        if (files.length) {
          event.preventDefault();
          this.addFiles(files);
        }
      });
      this.panel.addEventListener("dragover", (event) => {
        event.preventDefault();
        this.panel.classList.add("dragging");
      });
      this.panel.addEventListener("dragleave", () => this.panel.classList.remove("dragging"));
      this.panel.addEventListener("drop", (event) => {
        event.preventDefault();
        this.panel.classList.remove("dragging");
        this.addFiles([...(event.dataTransfer?.files ?? [])]);
      });
    }
    document.addEventListener("visibilitychange", () => this.render());
    options.store.subscribe(() => this.render());
    this.render();
  }

  mount(): void {
    (document.body ?? document.documentElement).append(this.host);
  }

  open(): void {
    if (this.options.store.isOpen) return;
    this.options.store.setOpen(true);
    const target = this.problem || this.options.boot.status === "offline" ? this.root.querySelector<HTMLElement>('[data-testid="close"]') : this.input;
    target?.focus();
    this.log.scrollTop = this.log.scrollHeight;
    this.options.emit("open");
  }

  close(): void {
    if (!this.options.store.isOpen) return;
    this.options.store.setOpen(false);
    this.launcher.focus();
    this.options.emit("close");
  }

  showError(error: unknown): void {
    this.options.store.setError(error instanceof ApiProblem && error.detail ? error.detail : this.options.boot.texts.error);
  }

  private render(): void {
    const { store, boot } = this.options;
    const texts = boot.texts;
    this.panel.hidden = !store.isOpen;
    this.launcher.setAttribute("aria-expanded", String(store.isOpen));
    const unread = store.isOpen ? 0 : store.unread;
    this.badge.hidden = unread === 0;
    this.badge.textContent = String(unread);
    this.launcher.setAttribute("aria-label", unread ? `${texts.open} (${unread})` : texts.open);

    this.state.dataset["state"] = store.connection;
    this.state.textContent = store.connection === "connecting" ? texts.connecting : store.connection === "reconnecting" ? texts.reconnecting : "";
    this.typing.hidden = !store.agentTyping;
    const error = this.problem ?? store.error;
    this.error.hidden = !error;
    this.error.textContent = error ?? "";
    this.input.placeholder = store.closed ? texts.reopen : texts.placeholder;

    const nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    const wanted: HTMLElement[] = [this.greeting];
    const readKey = store.readMessageKey;
    for (const item of store.list()) {
      wanted.push(this.element(item));
      if (item.key === readKey) wanted.push(this.readMarker);
    }
    let cursor = this.log.firstChild;
    for (const element of wanted) {
      if (element === cursor) cursor = cursor.nextSibling;
      else this.log.insertBefore(element, cursor);
    }
    while (cursor) {
      const next: ChildNode | null = cursor.nextSibling;
      cursor.remove();
      cursor = next;
    }
    const shown = new Set(wanted);
    for (const [key, element] of this.elements) if (!shown.has(element)) this.elements.delete(key);
    if (nearBottom) this.log.scrollTop = this.log.scrollHeight;

    // Read receipts: only what the visitor can see, the panel open in a visible tab.
    if (store.isOpen && document.visibilityState !== "hidden") {
      const seq = store.lastOutboundSeq;
      if (seq > this.readSent) {
        this.readSent = seq;
        this.options.transport.read(seq);
      }
      if (seq > store.seenSeq) store.markSeen(seq);
    }
  }

  private element(item: Item): HTMLElement {
    const key = item.kind === "message" ? `${item.key}:${item.state}` : item.key;
    let element = this.elements.get(key);
    if (!element) {
      element = item.kind === "message" ? this.messageElement(item) : this.eventElement(item);
      this.elements.set(key, element);
    }
    return element;
  }

  private messageElement(item: MessageItem): HTMLElement {
    const texts = this.options.boot.texts;
    const element = h("div", {
      class: `msg ${item.direction === "INBOUND" ? "in" : "out"}`, "data-testid": "message", "data-direction": item.direction,
      "data-seq": item.seq === undefined ? undefined : String(item.seq), "data-state": item.state, "data-id": item.id,
    });
    if (item.direction === "OUTBOUND" && item.agent) element.append(h("span", { class: "meta" }, item.agent));
    if (item.text) element.append(h("div", { class: "bubble" }, item.text));
    for (const attachment of item.attachments) element.append(this.attachmentElement(attachment));
    const meta = h("span", { class: "meta" }, h("time", { datetime: item.createdAt }, this.formatTime(item.createdAt)));
    if (item.state === "sending") meta.append(" …");
    if (item.state === "failed" && item.clientMessageId) {
      const retry = h("button", { type: "button", class: "chip", "data-testid": "retry" }, texts.send);
      const clientMessageId = item.clientMessageId;
      retry.addEventListener("click", () => void this.deliver(clientMessageId));
      meta.append(" ", retry);
    }
    element.append(meta);
    return element;
  }

  private eventElement(item: EventItem): HTMLElement {
    const texts = this.options.boot.texts;
    const text = item.kind === "agent_joined" ? texts.agentJoined.replace("{agent}", item.agent ?? "")
      : item.kind === "agent_left" ? texts.agentLeft
      : item.kind === "conversation_closed" ? texts.closed
      : item.text ?? "";
    return h("p", {
      class: item.kind === "info_note" ? "note" : "system", "data-testid": "system", "data-kind": item.kind,
      "data-seq": item.seq === undefined ? undefined : String(item.seq),
    }, text);
  }

  private attachmentElement(attachment: Attachment): HTMLElement {
    const link = this.options.transport.attachmentLink;
    const isImage = attachment.contentType.startsWith("image/");
    const anchor = h("a", { class: "chip", target: "_blank", rel: "noopener", "data-testid": "attachment", "data-attachment-id": attachment.id });
    if (isImage) anchor.append(h("img", { alt: attachment.name }));
    else anchor.append(`${attachment.name} (${formatSize(attachment.size)})`);
    if (link) {
      void link.call(this.options.transport, attachment.id).then(({ url }) => {
        anchor.href = url;
        anchor.querySelector("img")?.setAttribute("src", url);
      }, () => undefined);
    }
    return anchor;
  }

  private formatTime(iso: string): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return "";
    return (date.toDateString() === new Date().toDateString() ? this.time.today : this.time.other).format(date);
  }

  private onKeydown(event: KeyboardEvent): void {
    if (event.key === "Escape") {
      event.preventDefault();
      this.close();
    } else if (event.key === "Tab") {
      const focusable = [...this.panel.querySelectorAll<HTMLElement>("button, [href], textarea, input, [tabindex]")]
        .filter((element) => !element.closest("[hidden]") && element.tabIndex >= 0 && !(element as HTMLButtonElement).disabled);
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      const active = this.root.activeElement;
      if (!first || !last) return;
      if (event.shiftKey && (active === first || !this.panel.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || !this.panel.contains(active))) {
        event.preventDefault();
        first.focus();
      }
    }
  }

  private onInput(): void {
    this.input.style.height = "auto";
    if (this.input.scrollHeight) this.input.style.height = `${this.input.scrollHeight}px`;
    const now = Date.now();
    if (this.input.value && now - this.lastTypingSignal >= TYPING_SIGNAL_MS) {
      this.lastTypingSignal = now;
      this.options.transport.typing();
    }
  }

  private addFiles(files: File[]): void {
    const { transport, boot } = this.options;
    const allowed = boot.features.attachments;
    if (!allowed || !transport.upload) return;
    for (const file of files) {
      if (!acceptsType(allowed.types, file.type)) {
        this.options.store.setError(`${boot.texts.unsupportedFile} (${file.name})`);
        continue;
      }
      if (file.size > allowed.maxBytes) {
        this.options.store.setError(`${boot.texts.fileTooLarge} (${file.name})`);
        continue;
      }
      this.startUpload(file);
    }
  }

  private startUpload(file: File): void {
    const progress = h("progress", { max: "1", value: "0", "aria-label": file.name });
    // The bootstrap's texts have no "remove" yet: the button is named by the file and the × it shows.
    const remove = iconButton(CLOSE_ICON, `${file.name} ×`, { "data-testid": "remove-upload" });
    const row = h("span", { class: "chip", "data-testid": "upload" }, file.name, progress, remove);
    if (file.type.startsWith("image/") && typeof URL.createObjectURL === "function") {
      const preview = h("img", { src: URL.createObjectURL(file), alt: "", class: "thumb" });
      preview.addEventListener("load", () => URL.revokeObjectURL(preview.src), { once: true });
      row.prepend(preview);
    }
    const upload: Upload = { row, done: Promise.resolve(undefined) };
    upload.done = this.options.transport.upload!(file, (fraction) => (progress.value = fraction)).then(
      (attachment) => {
        progress.remove();
        return attachment;
      },
      (error: unknown) => {
        this.showError(error);
        this.dropUpload(upload);
        return undefined;
      },
    );
    remove.addEventListener("click", () => this.dropUpload(upload));
    this.uploads.push(upload);
    this.uploadsRow.append(row);
  }

  private dropUpload(upload: Upload): void {
    const index = this.uploads.indexOf(upload);
    if (index >= 0) this.uploads.splice(index, 1);
    upload.row.remove();
  }

  private async send(): Promise<void> {
    const text = this.input.value.trim();
    if (this.problem || this.options.boot.status === "offline" || (!text && !this.uploads.length)) return;
    const uploads = this.uploads.splice(0);
    this.input.value = "";
    this.onInput();
    for (const upload of uploads) upload.row.remove();
    const attachments = (await Promise.all(uploads.map((upload) => upload.done))).filter((a): a is Attachment => !!a);
    if (!text && !attachments.length) return;
    const clientMessageId = newId();
    this.outgoing.set(clientMessageId, { text, attachments });
    this.options.store.addPending(clientMessageId, text, attachments);
    await this.deliver(clientMessageId);
  }

  private async deliver(clientMessageId: string): Promise<void> {
    const message = this.outgoing.get(clientMessageId);
    if (!message) return;
    this.options.store.setError(undefined);
    try {
      await this.options.transport.send(message.text, clientMessageId, message.attachments.map((a) => a.id));
      this.outgoing.delete(clientMessageId);
    } catch (error) {
      this.options.store.failPending(clientMessageId);
      this.showError(error);
    }
  }
}

// A constructed stylesheet where the browser has them (a page's CSP style-src does not govern it), else <style>.
function styleFor(root: ShadowRoot, css: string): HTMLStyleElement[] {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    return [];
  } catch {
    return [h("style", {}, css)];
  }
}

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat(locale, options);
  } catch {
    return new Intl.DateTimeFormat(undefined, options);
  }
}

function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
}

/** A clientMessageId: randomUUID where there is one (secure contexts), else 122 random bits in the same shape. */
function newId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
