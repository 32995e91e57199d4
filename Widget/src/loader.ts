// widget.js, the small stable script a tenant puts on its site (docs/widget.md):
//   <script src="https://<api>/widget.js" data-site-key="wk_…" async></script>
// It installs window.OmniChat as a stub that queues calls, asks the Api for the widget's bootstrap, and injects the
// app bundle the bootstrap names (with its integrity hash). When the bootstrap fails (origin not allowed, unknown site
// key, network) it still injects the app, from its unhashed URL, with the problem, so the visitor sees the error.
import type { Command, CommandName, LoaderHandoff, OmniChatGlobal } from "./omniChat";

(() => {
  const script = document.currentScript as HTMLScriptElement | null;
  const existing = window.OmniChat;
  if (!script || (existing && !existing.q)) return;
  const api = new URL(script.src).origin;
  const siteKey = script.dataset["siteKey"] ?? "";
  // A page may have made its own queueing stub (see README) to call OmniChat before this script has run: keep it.
  const queue: Command[] = existing?.q ?? [];
  const stub = existing ?? ({} as OmniChatGlobal);
  const names: CommandName[] = ["open", "close", "identify", "on"];
  for (const name of names) (stub as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => queue.push([name, ...args]);
  stub.q = queue;
  window.OmniChat = stub;

  const inject = (handoff: LoaderHandoff, src: string, integrity?: string) => {
    stub.boot = handoff;
    const app = document.createElement("script");
    app.src = src;
    // Subresource integrity needs a CORS fetch; the fallback goes without, as an origin the Api refuses gets no CORS.
    if (integrity) {
      app.integrity = integrity;
      app.crossOrigin = "anonymous";
    }
    document.head.append(app);
  };
  const fallback = (problem: NonNullable<LoaderHandoff["problem"]>) => inject({ api, siteKey, problem }, `${api}/widget/app.js`);

  fetch(`${api}/v2/widget/bootstrap?${new URLSearchParams({ siteKey, locale: navigator.language })}`, { credentials: "include" })
    .then(async (response) => {
      const body = await response.json().catch(() => ({}));
      if (response.ok) inject({ api, siteKey, bootstrap: body }, body.app.url, body.app.integrity);
      else fallback({ status: response.status, code: body.code, detail: body.detail });
    })
    .catch(() => fallback({ status: 0 }));
})();
