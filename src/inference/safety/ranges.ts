// Numbers and fields read from files we do not control (model folders' JSON): own properties only
// (a key such as "__proto__" or "constructor" must never reach Object.prototype), and every number
// checked against a documented range before it sizes an allocation or a loop.
import { errorMessage } from '../errors';

/** `obj[key]` when it is the object's own property; never something inherited from a prototype. */
export function ownValue(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null || !Object.hasOwn(obj, key)) return undefined;
  return (obj as Record<string, unknown>)[key];
}

/** A closed (or half-open) interval; `integer` asks for a whole number. */
export interface NumberRange {
  min: number;
  max: number;
  integer?: boolean;
  /** The bound itself is not allowed (e.g. a beta must be above 0). */
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
}

export function inRange(value: unknown, range: NumberRange): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (range.integer && !Number.isSafeInteger(value)) return false;
  if (range.exclusiveMin ? value <= range.min : value < range.min) return false;
  return range.exclusiveMax ? value < range.max : value <= range.max;
}

/** "an integer from 2 to 10000", "a number above 0 and below 1". */
export function describeRange(range: NumberRange): string {
  const kind = range.integer ? 'an integer' : 'a number';
  if (!range.exclusiveMin && !range.exclusiveMax) return `${kind} from ${range.min} to ${range.max}`;
  const low = range.exclusiveMin ? `above ${range.min}` : `at least ${range.min}`;
  const high = range.exclusiveMax ? `below ${range.max}` : `at most ${range.max}`;
  return `${kind} ${low} and ${high}`;
}

/** A value for an error message: JSON, cut short (a hostile file can hold a megabyte string). */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch (error) {
    text = `(unprintable: ${errorMessage(error)})`;
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
