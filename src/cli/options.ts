// Numeric command-line options, checked against their range with a message that names the flag.
import { UsageError } from './output.ts';

type Values = Record<string, string | boolean | undefined>;

function parsed(values: Values, name: string, valid: (value: number) => boolean, expected: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !valid(value)) throw new UsageError(`--${name} must be ${expected}`);
  return value;
}

export function integerOption(values: Values, name: string, min: number, max: number): number | undefined {
  return parsed(values, name, (value) => Number.isInteger(value) && value >= min && value <= max, `an integer from ${min} to ${max}`);
}

export function numberOption(values: Values, name: string, min: number, max: number): number | undefined {
  return parsed(values, name, (value) => Number.isFinite(value) && value >= min && value <= max, `a number from ${min} to ${max}`);
}
