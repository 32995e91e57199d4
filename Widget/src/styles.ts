// The widget's whole stylesheet, inside its shadow root. Sizes in em from one px size on :host, so the page's root
// font size cannot scale it while browser zoom still does; under 480 px of width or height (a phone, 200 % zoom) the
// panel takes the whole screen.
import { themeColors } from "./color";

/**
 * Set inline with !important on the host, in this order (`all` first): a page's `* { all: unset !important }` reaches
 * the host element itself, and only an important inline declaration outranks it.
 */
const FONT = `16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif`;

export const HOST_STYLE: Array<[string, string]> = [
  // `all: initial` here outranks the :host rule, so the font and colour everything inherits are set here too.
  ["all", "initial"], ["font", FONT], ["color", "#1a1a1a"], ["display", "block"], ["position", "fixed"], ["right", "0"], ["bottom", "0"], ["width", "0"],
  ["height", "0"], ["z-index", "2147483647"], ["visibility", "visible"], ["opacity", "1"], ["transform", "none"],
  ["filter", "none"], ["contain", "none"], ["pointer-events", "auto"],
];

export function stylesheet(primaryColor: string): string {
  const { primary, onPrimary } = themeColors(primaryColor);
  return `:host{all:initial;--p:${primary};--on-p:${onPrimary};font:${FONT};color:#1a1a1a}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
button{font:inherit}
:focus-visible{outline:3px solid #111;outline-offset:2px;box-shadow:0 0 0 5px #fff}
.launcher{position:fixed;bottom:1.25em;right:1.25em;z-index:2147483647;width:3.5em;height:3.5em;border-radius:50%;border:0;background:var(--p);color:var(--on-p);cursor:pointer;box-shadow:0 .25em .75em rgba(0,0,0,.25);display:grid;place-items:center;transition:transform .2s}
.launcher:hover{transform:scale(1.06)}
.left .launcher,.left .panel{right:auto;left:1.25em}
svg{width:1.5em;height:1.5em;fill:currentColor}
.badge{position:absolute;top:-.3em;right:-.3em;min-width:1.5em;height:1.5em;padding:0 .4em;border-radius:.75em;background:#b91c1c;color:#fff;font-size:.75em;font-weight:700;line-height:1.5em}
.panel{position:fixed;bottom:5.5em;right:1.25em;z-index:2147483647;width:23em;max-width:calc(100vw - 2.5em);height:37em;max-height:calc(100vh - 7.5em);display:flex;flex-direction:column;background:#fff;border-radius:.75em;box-shadow:0 .5em 2em rgba(0,0,0,.3);overflow:hidden;animation:rise .2s ease-out}
@keyframes rise{from{opacity:0;transform:translateY(.5em)}}
header{display:flex;align-items:center;gap:.5em;padding:.6em .75em .6em 1em;background:var(--p);color:var(--on-p)}
.grow{flex:1;min-width:0}
h2{margin:0;font-size:1.05em;font-weight:700}
.state{margin:0;font-size:.8em;min-height:1.2em}
.icon{flex:none;border:0;background:transparent;color:inherit;width:2.5em;height:2.5em;border-radius:.4em;cursor:pointer;display:grid;place-items:center}
.log{flex:1;overflow-y:auto;padding:1em;display:flex;flex-direction:column;gap:.6em;overscroll-behavior:contain}
.greeting{margin:0;color:#333}
.msg{max-width:85%;display:flex;flex-direction:column;align-items:flex-start;gap:.15em}
.msg.in{align-self:flex-end;align-items:flex-end}
.bubble{padding:.5em .75em;border-radius:1em;white-space:pre-wrap;overflow-wrap:anywhere;background:#eef0f3;color:#1a1a1a}
.in .bubble{background:var(--p);color:var(--on-p)}
.meta{font-size:.75em;color:#555}
.system{align-self:center;text-align:center;margin:0;font-size:.85em;color:#444}
.note{align-self:stretch;margin:0;padding:.5em .75em;background:#fff8db;border-inline-start:.25em solid #b45309;border-radius:.25em;font-size:.9em;color:#1a1a1a}
.read{align-self:flex-end;font-size:.75em;color:#555}
.typing{margin:0 1em .25em;font-size:.85em;font-style:italic;color:#444}
.error{margin:0 1em .5em;padding:.5em .75em;border-radius:.4em;background:#fef2f2;color:#991b1b;font-size:.9em}
.uploads{display:flex;flex-wrap:wrap;gap:.25em;padding:0 .5em}
.chip{display:inline-flex;align-items:center;gap:.35em;max-width:100%;padding:.2em .6em;border:1px solid #888;border-radius:1em;background:#fff;color:#1a1a1a;font-size:.85em;text-decoration:none}
.chip .icon{width:1.8em;height:1.8em}
progress{width:4em}
.thumb{width:2em;height:2em;object-fit:cover;border-radius:.25em}
.msg img{display:block;max-width:100%;max-height:12em;border-radius:.5em}
.composer{display:flex;align-items:flex-end;gap:.25em;padding:.5em;border-top:1px solid #ddd}
textarea{flex:1;min-height:2.6em;max-height:8em;resize:none;padding:.55em .7em;border:1px solid #767676;border-radius:.5em;background:#fff;color:#1a1a1a;font:inherit}
.composer .icon{color:#333}
.composer .send{background:var(--p);color:var(--on-p)}
[dir=rtl] .send svg{transform:scaleX(-1)}
.footer{margin:0;padding:.25em 1em .75em;text-align:center;font-size:.85em}
.footer a{color:#1d4ed8}
.dragging .log{outline:2px dashed #333;outline-offset:-.5em}
@media (max-width:480px),(max-height:480px){.panel,.left .panel{inset:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0}}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}`;
}
