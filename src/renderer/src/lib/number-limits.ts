// A number field's allowed range, read from the API's own zod schema (so the view's min/max and its
// messages follow the back end), and the message for a value outside it.
import type { z } from 'zod';

export interface NumberLimits {
  min: number;
  max: number;
  integer: boolean;
}

export function limitsOf(schema: z.ZodNumber): NumberLimits {
  return { min: schema.minValue ?? -Number.MAX_VALUE, max: schema.maxValue ?? Number.MAX_VALUE, integer: schema.isInt };
}

/**
 * Null when `value` fits; else "Steps must be an integer from 1 to 999". `value` is what a
 * `v-model.number` input holds: a number, or '' when the field is empty.
 */
export function numberProblem(label: string, value: number | string, limits: NumberLimits): string | null {
  const fits = typeof value === 'number' && Number.isFinite(value) && value >= limits.min && value <= limits.max && (!limits.integer || Number.isInteger(value));
  return fits ? null : `${label} must be ${limits.integer ? 'an integer' : 'a number'} from ${limits.min} to ${limits.max}`;
}
