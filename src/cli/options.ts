// Numeric command-line options, checked against their range with a message that names the flag.
import { UsageError } from './output.ts';

type Values = Record<string, string | boolean | undefined>;

export function integerOption(values: Values, name: string, min: number, max: number): number | undefined {
  const value = numberOption(values, name, min, max);
  if (value !== undefined && !Number.isInteger(value)) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return value;
}

export function numberOption(values: Values, name: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}`);
  }
  return value;
}
