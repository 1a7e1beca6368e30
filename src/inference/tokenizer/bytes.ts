// GPT-2/CLIP byte-level alphabet: every UTF-8 byte maps to one printable code point, so BPE never
// sees whitespace or control characters and any string round-trips through the vocabulary.

function buildByteToUnicode(): string[] {
  const printable: number[] = [];
  const ranges: Array<[number, number]> = [
    [0x21, 0x7e], // '!'..'~'
    [0xa1, 0xac], // '¡'..'¬'
    [0xae, 0xff], // '®'..'ÿ'
  ];
  for (const [from, to] of ranges) for (let b = from; b <= to; b++) printable.push(b);
  const table: string[] = new Array<string>(256);
  for (const b of printable) table[b] = String.fromCodePoint(b);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    if (table[b] === undefined) table[b] = String.fromCodePoint(256 + shifted++);
  }
  return table;
}

const BYTE_TO_UNICODE = buildByteToUnicode();
const utf8 = new TextEncoder();

/** `text` as UTF-8 bytes, each written as its byte-level code point. */
export function toByteLevel(text: string): string {
  let out = '';
  for (const byte of utf8.encode(text)) out += BYTE_TO_UNICODE[byte] as string;
  return out;
}
