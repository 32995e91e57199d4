// Text on the tenant's theme colour must stay readable (WCAG AA, 4.5:1): black or white, whichever contrasts more.
// One of the two always reaches at least 4.58:1, whatever the colour.

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** #rgb or #rrggbb to [r, g, b]; anything else is undefined. */
export function parseHex(color: string): [number, number, number] | undefined {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!match?.[1]) return undefined;
  const hex = match[1].length === 3 ? [...match[1]].map((c) => c + c).join("") : match[1];
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

export function luminance([r, g, b]: [number, number, number]): number {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrastRatio(a: string, b: string): number {
  const la = luminance(parseHex(a) ?? [0, 0, 0]);
  const lb = luminance(parseHex(b) ?? [0, 0, 0]);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

export const DEFAULT_PRIMARY = "#2563eb";

/** The theme colour (a valid hex one, else the default) and the text colour to put on it. */
export function themeColors(primary: string): { primary: string; onPrimary: string } {
  const color = parseHex(primary) ? primary.trim() : DEFAULT_PRIMARY;
  return { primary: color, onPrimary: contrastRatio(color, "#000000") >= contrastRatio(color, "#ffffff") ? "#000000" : "#ffffff" };
}
