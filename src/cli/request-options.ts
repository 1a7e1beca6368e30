// The generation request's command-line options, read from the core's field table
// (REQUEST_FIELDS[field].option in src/inference/request.ts): their parseArgs kinds, their usage
// text and their parsed values. A request field that gains an `option` there appears here with
// its range checks and its usage, with no change to the commands.
import { REQUEST_FIELD_NAMES, REQUEST_FIELDS, type FieldSpec, type GenerationRequest, type RequestField } from '../inference/request';
import { choiceOption, flag, numberOption, stringOption, type OptionKinds, type ParsedArgs } from './args';

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
      case 'number': value = numberOption(parsed, name, { min: rule.min, max: rule.max }); break;
      case 'integer': case 'pixels': value = numberOption(parsed, name, { min: rule.min, max: rule.max, integer: true }); break;
    }
    if (value !== undefined) out[field] = value;
  }
  return out as Partial<GenerationRequest>;
}
