// Numeric command-line options, checked against their range with a message that names the flag. Only
// plain decimals pass ("0x10", "1e3", "Infinity" and " 7" do not, though Number() takes them).
import { UsageError } from './output.ts';

type Values = Record<string, string | boolean | undefined>;

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(\d+(\.\d+)?|\.\d+)$/;

function parsed(values: Values, name: string, syntax: RegExp, valid: (value: number) => boolean, expected: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && syntax.test(raw) ? Number(raw) : Number.NaN;
  if (!valid(value)) throw new UsageError(`--${name} must be ${expected}, got "${String(raw)}"`);
  return value;
}

/** `or` names another accepted word, e.g. "random" (the caller handles it before). */
export function integerOption(values: Values, name: string, min: number, max: number, or?: string): number | undefined {
  return parsed(values, name, INTEGER, (value) => Number.isSafeInteger(value) && value >= min && value <= max, `an integer from ${min} to ${max}${or ? ` or ${or}` : ''}`);
}

export function numberOption(values: Values, name: string, min: number, max: number): number | undefined {
  return parsed(values, name, DECIMAL, (value) => Number.isFinite(value) && value >= min && value <= max, `a number from ${min} to ${max}`);
}

/**
 * parseArgs refuses "--steps -5" as ambiguous (the value looks like an option); "--steps=-5" is what
 * it takes. A string option followed by a negative number is joined that way, so the option's own
 * range check answers ("--steps must be an integer from 1 to 999") and negative values in range work.
 */
export function joinNegativeValues(args: string[], options: Record<string, { type: string }>): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = /^--([^=]+)$/.exec(arg)?.[1];
    if (arg === '--') return [...joined, ...args.slice(i)];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}
