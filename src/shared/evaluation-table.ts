// The metrics of an evaluation as rows (name, value, what it is), one wording for the CLI and the panel.
import type { EvaluationResult } from './evaluations.ts';

export interface MetricRow {
  name: string;
  value: string;
  note: string;
}

const fixed = (value: number, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

export function evaluationMetricRows(result: EvaluationResult): MetricRow[] {
  const m = result.metrics;
  const space = `${result.feature_space.encoder} ${result.feature_space.output} features (${result.feature_space.dim}-d)`;
  const vs = `${result.samples.count} samples vs ${result.reference.count} ${result.reference.what}`;
  const rows: MetricRow[] = [
    { name: 'FD_enc ↓', value: fixed(m.fd_enc, 2), note: `Fréchet distance in ${space}, not FID; ${vs}` },
    { name: 'KID_enc ↓', value: `${fixed(m.kid_enc, 4)} ± ${fixed(m.kid_enc_std, 4)}`, note: `kernel distance, same features; ${vs}` },
    { name: 'precision ↑', value: fixed(m.precision), note: `k = ${m.prdc_k}, ${m.prdc_count} samples vs ${m.prdc_count} real images` },
    { name: 'recall ↑', value: fixed(m.recall), note: `k = ${m.prdc_k}` },
    { name: 'density ↑', value: fixed(m.density), note: `k = ${m.prdc_k} (1 for one distribution)` },
    { name: 'coverage ↑', value: fixed(m.coverage), note: `k = ${m.prdc_k}` },
  ];
  const c = result.consistency;
  if (c) {
    const real = c.real === undefined ? '' : `; real images: ${fixed(c.real)} of ${c.real_count}`;
    rows.push({ name: 'cond. consistency ↑', value: fixed(c.samples), note: `nearest centroid of the run's clustering, ${c.sample_count} samples${real}` });
  }
  return rows;
}

/** "25 DDIM steps · w = 2 (imagen) · seed 0 · EMA step 2000" */
export function evaluationSettingsLine(result: EvaluationResult): string {
  return `${result.sampler.steps} DDIM steps · w = ${result.guidance.w} (${result.guidance.form}) · seed ${result.sampler.seed} · ` +
    `${result.checkpoint.weights} weights at step ${result.checkpoint.step} · ${result.samples.per_condition} per condition × ${result.samples.conditions}`;
}
