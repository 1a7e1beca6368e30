// Generation settings stored inside assets, and read back synchronously from the bytes:
// PNG → tEXt/iTXt chunks (`nanoforge` JSON + a human `parameters` line, the convention other
// Stable Diffusion tools read); WebP/JPEG/AVIF → an XMP packet (sharp's withXmp); SVG → <metadata>;
// ICO → the PNG chunks of its entries.
import type { AssetMetadata } from '../types';
import { isIco, readIco } from './ico';
import { isPng, readTextChunks, textChunk } from './png-chunks';

export const METADATA_KEY = 'nanoforge';
export const PARAMETERS_KEY = 'parameters';
const XMP_NS = 'https://nanoforge.dev/ns/asset/1.0/';

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (whole, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[name] !== undefined) return named[name]!;
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
  });
}

/** A one-paragraph human summary in the layout many SD tools use for their `parameters` text. */
export function parametersText(m: AssetMetadata): string {
  const fields: [string, string | number | undefined][] = [
    ['Steps', m.steps],
    ['Sampler', m.scheduler],
    ['CFG scale', m.guidanceScale],
    ['Seed', m.seed],
    ['Size', m.width !== undefined && m.height !== undefined ? `${m.width}x${m.height}` : undefined],
    ['Model', m.modelId],
    ['Model version', m.modelVersion],
    ['Kind', m.kind],
    // A1111's name for it, which other Stable Diffusion tools read.
    ['Denoising strength', m.strength],
    ['Layout', m.layout],
    ['Generator', m.generator],
  ];
  const tail = fields.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`).join(', ');
  const negative = m.negativePrompt ? `\nNegative prompt: ${m.negativePrompt}` : '';
  return `${m.prompt}${negative}\n${tail}`;
}

/** PNG chunks to insert for this metadata. */
export function pngMetadataChunks(m: AssetMetadata): Uint8Array[] {
  return [textChunk(METADATA_KEY, JSON.stringify(m)), textChunk(PARAMETERS_KEY, parametersText(m))];
}

/** An XMP packet carrying the JSON (nanoforge:settings) and the human text (dc:description). */
export function buildXmp(m: AssetMetadata): string {
  return (
    `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
    `<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:nanoforge="${XMP_NS}">` +
    `<nanoforge:settings>${escapeXml(JSON.stringify(m))}</nanoforge:settings>` +
    `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(parametersText(m))}</rdf:li></rdf:Alt></dc:description>` +
    `</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
  );
}

/** The <metadata> element placed inside an SVG. */
export function svgMetadataElement(m: AssetMetadata): string {
  return `<metadata id="${METADATA_KEY}"><nanoforge:settings xmlns:nanoforge="${XMP_NS}">${escapeXml(JSON.stringify(m))}</nanoforge:settings></metadata>`;
}

function parseJson(text: string | undefined): AssetMetadata | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // A foreign or damaged entry is "no metadata", not a crash of the hover or `info`.
    void error;
    return undefined;
  }
  const m = value as Partial<AssetMetadata> | null;
  if (!m || typeof m !== 'object' || typeof m.prompt !== 'string' || typeof m.generator !== 'string') return undefined;
  return m as AssetMetadata;
}

function between(text: string, open: RegExp, close: string): string | undefined {
  const start = open.exec(text);
  if (!start) return undefined;
  const from = start.index + start[0].length;
  const end = text.indexOf(close, from);
  return end < 0 ? undefined : text.slice(from, end);
}

function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 512)).toString('utf8').replace(/^\ufeff/, '').trimStart();
  return head.startsWith('<') && /<svg[\s>]/.test(Buffer.from(bytes.subarray(0, 4096)).toString('utf8'));
}

/** Reads Nanoforge metadata from PNG, ICO, SVG, WebP, JPEG or AVIF bytes; undefined when absent. */
export function readMetadata(bytes: Uint8Array): AssetMetadata | undefined {
  if (isPng(bytes)) return parseJson(readTextChunks(bytes).get(METADATA_KEY));
  if (isIco(bytes)) {
    for (const entry of readIco(bytes).reverse()) {
      const found = isPng(entry.png) ? parseJson(readTextChunks(entry.png).get(METADATA_KEY)) : undefined;
      if (found) return found;
    }
    return undefined;
  }
  // SVG text and XMP packets are stored uncompressed in every format we write, so a byte search works.
  const text = Buffer.from(bytes).toString(looksLikeSvg(bytes) ? 'utf8' : 'latin1');
  const inner = between(text, /<nanoforge:settings[^>]*>/, '</nanoforge:settings>');
  if (inner === undefined) return undefined;
  // XMP bytes are UTF-8; the latin1 view above only locates them.
  const decoded = looksLikeSvg(bytes) ? inner : Buffer.from(inner, 'latin1').toString('utf8');
  return parseJson(unescapeXml(decoded));
}
