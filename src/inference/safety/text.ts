// Text from untrusted places (prompts stored in image files, hub listings, model folders) on its way
// into a terminal or an XML document, and XML text on its way back. The one escaper every writer
// and reader uses: a terminal must not receive control sequences, an SVG or XMP packet must not
// receive characters outside XML 1.0's Char production, and a character reference must decode
// only to a character XML allows.

/**
 * C0 controls (ESC starts terminal sequences, CR/LF forge lines), DEL, C1 controls (0x9b is a
 * one-byte CSI for many terminals), zero-width characters, bidirectional overrides and isolates
 * (they reorder what a reader sees), and the byte-order mark.
 */
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** `text` with every terminal-unsafe character written as `\xNN` or `\u{NNNN}`: one visible line. */
export function escapeTerminal(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${hex(code, 2)}` : `\\u{${hex(code, 4)}}`;
  });
}

/** JSON for a terminal: JSON.stringify leaves DEL, C1 and bidi characters raw; they become \uNNNN (same value). */
export function jsonForTerminal(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(TERMINAL_UNSAFE, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}

/** XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
export function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd
    || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

const XML_SPECIAL: Readonly<Record<string, string>> = Object.freeze({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' });

/**
 * Text or attribute content for XML: the five specials become entities, and every character XML
 * cannot hold (controls, U+FFFE/U+FFFF, lone surrogates) becomes `replacement` (U+FFFD, or '' to drop).
 */
export function escapeXml(text: string, replacement = '\ufffd'): string {
  let out = '';
  for (const ch of text) {
    const special = XML_SPECIAL[ch];
    if (special !== undefined) out += special;
    else out += isXmlChar(ch.codePointAt(0) ?? 0) ? ch : replacement;
  }
  return out;
}

/**
 * A value as JSON inside XML, losslessly: JSON.stringify already escapes controls and lone
 * surrogates; U+FFFE/U+FFFF become \uFFFE/\uFFFF escapes, so the stored prompt keeps them.
 */
export function jsonForXml(value: unknown): string {
  return escapeXml((JSON.stringify(value) ?? 'null').replace(/[\ufffe\uffff]/g, (c) => `\\u${hex(c.charCodeAt(0), 4)}`));
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = Object.freeze({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" });

/** Decodes the five named entities and numeric references to XML characters; anything else stays as written. */
export function decodeXmlEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,10}|[a-zA-Z]{2,4});/g, (whole, name: string) => {
    if (!name.startsWith('#')) return Object.hasOwn(NAMED_ENTITIES, name.toLowerCase()) ? NAMED_ENTITIES[name.toLowerCase()] ?? whole : whole;
    const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return isXmlChar(code) ? String.fromCodePoint(code) : whole;
  });
}

/**
 * The raw content of the first `<name …>…</name>` element in `text`, found with indexOf only (a
 * regular expression with `[^>]*` rescans the rest of the text at every false start: quadratic).
 */
export function xmlElementText(text: string, name: string): string | undefined {
  const open = `<${name}`;
  for (let at = text.indexOf(open); at >= 0; at = text.indexOf(open, at + 1)) {
    const next = text[at + open.length];
    if (next !== '>' && next !== undefined && !/\s/.test(next)) continue;
    const gt = text.indexOf('>', at + open.length);
    if (gt < 0) return undefined;
    const close = text.indexOf(`</${name}>`, gt + 1);
    return close < 0 ? undefined : text.slice(gt + 1, close);
  }
  return undefined;
}
