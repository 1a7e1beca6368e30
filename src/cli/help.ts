// `nanoforge <command> --help`: built from the same option table the parser reads, so an option the
// parser accepts always has its meaning, its range and its default in the help.
import type { OptionKinds } from './args';

export interface OptionDoc {
  type: 'string' | 'boolean';
  /** The value's placeholder, e.g. `N`, `WxH`, `DIR` (value options only). */
  value?: string;
  /** What the option does and which values it takes. */
  help: string;
  /** What applies when the option is absent (value options). */
  default?: string;
  /** The command cannot run without it. */
  required?: boolean;
}

export type OptionDocs = Readonly<Record<string, OptionDoc>>;

export interface CommandHelp {
  /** After `nanoforge `, e.g. `generate "<prompt>" [options]`. */
  usage: string;
  /** One or two sentences: what the command does. */
  summary: string;
  /** Further paragraphs (behaviour worth knowing before the first run). */
  details?: readonly string[];
  options: OptionDocs;
  /** Whole command lines, each starting with `nanoforge `; a `# note` may follow. */
  examples: readonly string[];
}

const WIDTH = 100;
const OPTION_COLUMN = 22;

/** The parser's view of the table: name → string | boolean. */
export function optionKinds(docs: OptionDocs): OptionKinds {
  return Object.fromEntries(Object.entries(docs).map(([name, doc]) => [name, doc.type]));
}

/** Greedy word wrap of each line of `text` to `width` columns; a line's indentation carries over. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    const indent = /^ */.exec(paragraph)?.[0] ?? '';
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = `${indent}${word}`;
      } else {
        line = line ? `${line} ${word}` : `${indent}${word}`;
      }
    }
    lines.push(line);
  }
  return lines;
}

function optionEntry(name: string, doc: OptionDoc): string {
  const head = `  --${name}${doc.value ? ` ${doc.value}` : ''}`;
  const tail = doc.required ? ' Required.' : doc.default !== undefined ? ` Default: ${doc.default}.` : '';
  const indent = ' '.repeat(OPTION_COLUMN);
  // A long option name gets its text on the next line, aligned with the others.
  const first = head.length + 2 > OPTION_COLUMN ? `${head}\n${indent}` : head.padEnd(OPTION_COLUMN);
  return first + wrap(`${doc.help}${tail}`, WIDTH - OPTION_COLUMN).join(`\n${indent}`);
}

export function renderHelp(help: CommandHelp): string {
  const sections = [
    `Usage: nanoforge ${help.usage}`,
    wrap(help.summary, WIDTH).join('\n'),
    ...(help.details ?? []).map((p) => wrap(p, WIDTH).join('\n')),
    ['Options:', ...Object.entries(help.options).map(([name, doc]) => optionEntry(name, doc))].join('\n'),
    ['Examples:', ...help.examples.map((e) => `  ${e}`)].join('\n'),
  ];
  return `${sections.join('\n\n')}\n`;
}
