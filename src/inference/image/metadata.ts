// Generation settings stored inside assets, and read back synchronously from the bytes:
// PNG → tEXt/iTXt chunks (`nanoforge` JSON + a human `parameters` line, the convention other
// Stable Diffusion tools read); WebP/JPEG/AVIF → an XMP packet (sharp's withXmp); SVG → <metadata>;
// ICO → the PNG chunks of its entries.
// Reading is bounded for files from anywhere (hover, `nanoforge info`): the first
// METADATA_SCAN_BYTES only, the PNG chunks before the pixels, and the last ICO_ENTRIES_SCANNED entries of an ICO.
import { decodeXmlEntities, escapeXml, jsonForXml, xmlElementText } from '../safety/text';
import type { AssetMetadata } from '../types';
import { isIco, readIco } from './ico';
import { isPng, readTextChunks, textChunk } from './png-chunks';

export const METADATA_KEY = 'nanoforge';
export const PARAMETERS_KEY = 'parameters';
const XMP_NS = 'https://nanoforge.dev/ns/asset/1.0/';

/** Bytes of a file the readers look at: metadata sits near the start of every format we write. */
export const METADATA_SCAN_BYTES = 32 * 1024 * 1024;
/** We write at most a handful of ICO entries, the largest last; a 65 535-entry directory is an attack. */
const ICO_ENTRIES_SCANNED = 16;

export { escapeXml };

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
    `<nanoforge:settings>${jsonForXml(m)}</nanoforge:settings>` +
    `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(parametersText(m))}</rdf:li></rdf:Alt></dc:description>` +
    `</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
  );
}

/** The <metadata> element placed inside an SVG. */
export function svgMetadataElement(m: AssetMetadata): string {
  return `<metadata id="${METADATA_KEY}"><nanoforge:settings xmlns:nanoforge="${XMP_NS}">${jsonForXml(m)}</nanoforge:settings></metadata>`;
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

function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 512)).toString('utf8').replace(/^\ufeff/, '').trimStart();
  return head.startsWith('<') && /<svg[\s>]/.test(Buffer.from(bytes.subarray(0, 4096)).toString('utf8'));
}

/** Reads Nanoforge metadata from PNG, ICO, SVG, WebP, JPEG or AVIF bytes; undefined when absent. */
export function readMetadata(whole: Uint8Array): AssetMetadata | undefined {
  const bytes = whole.subarray(0, METADATA_SCAN_BYTES);
  if (isPng(bytes)) return parseJson(readTextChunks(bytes).get(METADATA_KEY));
  if (isIco(bytes)) return icoMetadata(bytes);
  // SVG text and XMP packets are stored uncompressed in every format we write, so a byte search works.
  const svg = looksLikeSvg(bytes);
  const inner = xmlElementText(Buffer.from(bytes).toString(svg ? 'utf8' : 'latin1'), 'nanoforge:settings');
  if (inner === undefined) return undefined;
  // XMP bytes are UTF-8; the latin1 view above only locates them.
  const decoded = svg ? inner : Buffer.from(inner, 'latin1').toString('utf8');
  return parseJson(decodeXmlEntities(decoded));
}

function icoMetadata(bytes: Uint8Array): AssetMetadata | undefined {
  let entries;
  try {
    entries = readIco(bytes);
  } catch (error) {
    // A truncated or lying directory is "no metadata" here; `nanoforge info` reports it itself.
    void error;
    return undefined;
  }
  for (const entry of entries.slice(-ICO_ENTRIES_SCANNED).reverse()) {
    const found = isPng(entry.png) ? parseJson(readTextChunks(entry.png).get(METADATA_KEY)) : undefined;
    if (found) return found;
  }
  return undefined;
}
