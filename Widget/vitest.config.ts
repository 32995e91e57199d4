import { defineConfig } from "vitest/config";

// DOM tests opt in with `// @vitest-environment happy-dom`; the loader's injected <script> is not fetched, quietly
// (a happy-dom setting vitest's types do not list yet).
const happyDOM = { settings: { disableJavaScriptFileLoading: true, handleDisabledFileLoadingAsSuccess: true } };

export default defineConfig({ test: { environmentOptions: { happyDOM } } });
