// The recognizer strategy list (kisstkondoros/gutter-preview style): the most specific first, so
// when two recognizers find the same path the one that knows more (alt, width…) is kept.
import type { AssetMatch, Recognizer } from '../types';
import { cssUrlRecognizer } from './css-url';
import { htmlAttributeRecognizer } from './html-attribute';
import { importRequireRecognizer } from './import-require';
import { IMAGE_EXTENSIONS } from '../../../inference/tables';
import { MAX_LINE_LENGTH } from './path-token';
import { manifestIconRecognizer } from './manifest-icon';
import { markdownImageRecognizer } from './markdown-image';
import { quotedStringRecognizer } from './quoted-string';

export const RECOGNIZERS: readonly Recognizer[] = [
  markdownImageRecognizer,
  htmlAttributeRecognizer,
  importRequireRecognizer,
  cssUrlRecognizer,
  manifestIconRecognizer,
  quotedStringRecognizer,
];

export { MAX_LINE_LENGTH };

function overlaps(a: AssetMatch, b: AssetMatch): boolean {
  return a.start < b.end && b.start < a.end;
}

// Most lines name no image at all; one cheap test spares them every recognizer's regex pass.
const MAY_HOLD_IMAGE = new RegExp(`\\.(?:${IMAGE_EXTENSIONS.join('|')})(?![\\w-])`, 'i');

/** All asset references in one line, de-duplicated, ordered by column. */
export function recognizeLine(line: string, languageId: string, recognizers: readonly Recognizer[] = RECOGNIZERS): AssetMatch[] {
  if (line.length > MAX_LINE_LENGTH || !MAY_HOLD_IMAGE.test(line)) return [];
  const kept: AssetMatch[] = [];
  for (const recognizer of recognizers) {
    if (recognizer.languages && !recognizer.languages.includes(languageId)) continue;
    for (const match of recognizer.recognize(line, languageId)) {
      const twin = kept.find((k) => overlaps(k, match));
      if (!twin) kept.push(match);
      else if (match.attributes) twin.attributes = { ...match.attributes, ...twin.attributes };
    }
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** The reference under `character` (inclusive of the end column, like a cursor after the path). */
export function referenceAt(line: string, languageId: string, character: number): AssetMatch | undefined {
  return recognizeLine(line, languageId).find((m) => character >= m.start && character <= m.end);
}

export {
  cssUrlRecognizer, htmlAttributeRecognizer, importRequireRecognizer, manifestIconRecognizer,
  markdownImageRecognizer, quotedStringRecognizer,
};
