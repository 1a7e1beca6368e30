// The ICO container, written by hand: a 6-byte header, one 16-byte directory entry per image, then
// PNG-encoded images (allowed since Windows Vista and read by every current browser).

export interface IcoEntry {
  width: number;
  height: number;
  /** PNG bytes of this entry. */
  png: Uint8Array;
}

export const ICO_SIZES: readonly number[] = [16, 32, 48];
export const ICO_MIN_SIZE = 16;
export const ICO_MAX_SIZE = 256;

export function buildIco(entries: IcoEntry[]): Uint8Array {
  if (entries.length === 0 || entries.length > 0xffff) throw new Error(`an ICO needs 1..65535 images, got ${entries.length}`);
  const headerSize = 6 + 16 * entries.length;
  const total = headerSize + entries.reduce((n, e) => n + e.png.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0, true); // reserved
  view.setUint16(2, 1, true); // type 1 = icon
  view.setUint16(4, entries.length, true);
  let offset = headerSize;
  entries.forEach((e, i) => {
    if (e.width < 1 || e.width > ICO_MAX_SIZE || e.height < 1 || e.height > ICO_MAX_SIZE) {
      throw new Error(`ICO entries must be 1..${ICO_MAX_SIZE} px per side, got ${e.width}×${e.height}`);
    }
    const at = 6 + 16 * i;
    out[at] = e.width === 256 ? 0 : e.width; // 0 means 256
    out[at + 1] = e.height === 256 ? 0 : e.height;
    out[at + 2] = 0; // no palette
    out[at + 3] = 0;
    view.setUint16(at + 4, 1, true); // colour planes
    view.setUint16(at + 6, 32, true); // bits per pixel
    view.setUint32(at + 8, e.png.length, true);
    view.setUint32(at + 12, offset, true);
    out.set(e.png, offset);
    offset += e.png.length;
  });
  return out;
}

export function isIco(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 1 && bytes[3] === 0 && (bytes[4]! | bytes[5]!) !== 0;
}

/** Parses the ICO directory; entry data is a view into `bytes`. */
export function readIco(bytes: Uint8Array): IcoEntry[] {
  if (!isIco(bytes)) throw new Error('not an ICO file (bad header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(4, true);
  if (6 + 16 * count > bytes.length) throw new Error(`ICO directory of ${count} entries is truncated`);
  const entries: IcoEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = 6 + 16 * i;
    const size = view.getUint32(at + 8, true);
    const offset = view.getUint32(at + 12, true);
    if (offset + size > bytes.length) throw new Error(`ICO entry ${i} points past the end of the file`);
    entries.push({ width: bytes[at] || 256, height: bytes[at + 1] || 256, png: bytes.subarray(offset, offset + size) });
  }
  return entries;
}
