// Prompt clean-up before BPE, following CLIP: ftfy-style fixes, whitespace collapse, strip, lower-case.
// We do not ship ftfy; these are the fixes of ftfy.fix_text that matter for typed prompts
// (NFC, curly quotes, Latin ligatures, full-width ASCII, control characters). Mojibake repair is left out.

const CURLY_QUOTES: Record<string, string> = {
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"',
};

const LIGATURES: Record<string, string> = {
  '\ufb00': 'ff', '\ufb01': 'fi', '\ufb02': 'fl', '\ufb03': 'ffi', '\ufb04': 'ffl', '\ufb05': 'ſt', '\ufb06': 'st',
  '\u0132': 'IJ', '\u0133': 'ij', '\u01c7': 'LJ', '\u01c8': 'Lj', '\u01c9': 'lj', '\u01ca': 'NJ', '\u01cb': 'Nj', '\u01cc': 'nj',
};

function fixCharacters(text: string): string {
  return text.replace(/[\u2018\u2019\u201a\u201b\u2032\u201c-\u201f\u2033\ufb00-\ufb06\u0132\u0133\u01c7-\u01cc\uff01-\uff5e\u3000]/g, (ch) => {
    const code = ch.charCodeAt(0);
    if (code >= 0xff01 && code <= 0xff5e) return String.fromCharCode(code - 0xfee0); // full-width ASCII
    if (code === 0x3000) return ' '; // ideographic space
    return CURLY_QUOTES[ch] ?? LIGATURES[ch] ?? ch;
  });
}

/** Control characters other than whitespace are dropped, as ftfy's remove_control_chars does. */
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;
/** Python's `\s` (what CLIP's whitespace_clean uses) also counts U+0085 (NEL). */
const WHITESPACE = /[\s\u0085]+/gu;

export function cleanPrompt(text: string): string {
  const fixed = fixCharacters(text.normalize('NFC')).replace(CONTROL, '');
  return fixed.replace(WHITESPACE, ' ').trim().toLowerCase();
}
