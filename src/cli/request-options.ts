// The generation request's command-line options, read from the core's field table
// (REQUEST_FIELDS[field].option in src/inference/request.ts): their parseArgs kinds, their usage
// text, their help entries and their parsed values. A request field that gains an `option` there is
// parsed with its range checks by every command that takes all request options; `generate` then
// fails to compile until its help says what the option means (REQUEST_OPTION_HELP).
import { REQUEST_FIELD_NAMES, REQUEST_FIELDS, type FieldSpec, type GenerationRequest, type RequestField } from '../inference/request';
import { choiceOption, flag, numberOption, seedOption, stringOption, type OptionKinds, type ParsedArgs } from './args';
import type { OptionDoc, OptionDocs } from './help';
import { readStartImageFile } from './start-image-file';

type WithOption = FieldSpec & { option: NonNullable<FieldSpec['option']> };

function optionFields(only?: readonly RequestField[]): [RequestField, WithOption][] {
  return REQUEST_FIELD_NAMES
    .filter((field) => !only || only.includes(field))
    .flatMap((field) => {
      const spec: FieldSpec = REQUEST_FIELDS[field];
      return spec.option ? [[field, spec as WithOption] as [RequestField, WithOption]] : [];
    });
}

/** `{ negative: 'string', count: 'string', … }` for parseCommandLine. */
export function requestOptionKinds(only?: readonly RequestField[]): OptionKinds {
  return Object.fromEntries(optionFields(only).map(([, spec]) => [spec.option.flag, spec.rule.type === 'boolean' ? 'boolean' : 'string']));
}

/** `[--negative TEXT] [--kind icon|placeholder|…] [--count N] …`, closed lists spelled out. */
export function requestUsage(only?: readonly RequestField[]): string {
  return optionFields(only).map(([, { rule, option }]) => {
    if (rule.type === 'boolean') return `[--${option.flag}]`;
    return `[--${option.flag} ${rule.type === 'choice' ? rule.choices.join('|') : option.value}]`;
  }).join(' ');
}

/** The request fields given on the command line, each checked against its range with a message naming the option. */
export function readRequestOptions(parsed: ParsedArgs, only?: readonly RequestField[]): Partial<GenerationRequest> {
  const out: Record<string, unknown> = {};
  for (const [field, { rule, option }] of optionFields(only)) {
    const name = option.flag;
    let value: unknown;
    switch (rule.type) {
      case 'text': value = stringOption(parsed, name); break;
      case 'choice': value = choiceOption(parsed, name, rule.choices); break;
      case 'boolean': value = flag(parsed, name) || undefined; break;
      case 'number': value = numberOption(parsed, name, { min: rule.min, max: rule.max, ...(rule.minExclusive ? { minExclusive: true } : {}) }); break;
      // A file option: its bytes, read here with the file named in every refusal.
      case 'bytes': { const file = stringOption(parsed, name); value = file === undefined ? undefined : readStartImageFile(file, rule.max); break; }
      // --seed's own reader accepts what people type (0x2a, +42) and says how to get a random one.
      case 'integer': case 'pixels': value = field === 'seed' ? seedOption(parsed) : numberOption(parsed, name, { min: rule.min, max: rule.max, integer: true }); break;
    }
    if (value !== undefined) out[field] = value;
  }
  return out as Partial<GenerationRequest>;
}

/** The request fields the command line can set (those with an `option` in REQUEST_FIELDS). */
export type OptionField = { [F in RequestField]: (typeof REQUEST_FIELDS)[F] extends { option: object } ? F : never }[RequestField];

/** What a command says about one request option: its meaning and what applies without it. */
export type RequestOptionHelp = Pick<OptionDoc, 'help' | 'default'>;

/**
 * The help entries of request options, keyed by their flags: the flag, the value placeholder and the
 * parser's kind come from REQUEST_FIELDS, the words from the command. A command that takes every
 * request option passes a complete record, so a new option field fails to compile until it is documented.
 */
export function requestOptionDocs(docs: Partial<Record<OptionField, RequestOptionHelp>>): OptionDocs {
  const entries = optionFields(Object.keys(docs) as RequestField[]).map(([field, { rule, option }]): [string, OptionDoc] => {
    const doc = docs[field as OptionField] as RequestOptionHelp;
    return [option.flag, { type: rule.type === 'boolean' ? 'boolean' : 'string', ...(rule.type === 'boolean' ? {} : { value: option.value }), ...doc }];
  });
  return Object.fromEntries(entries);
}
