// What the Masks view shows: the segment-mask runs, the run's segments (colour, name, totals), its images
// (all, or those containing one segment, largest share first), and the image under review with its legend.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ImageMask, MaskMember, MaskRun, MaskSummary } from '../../../shared/masks.ts';
import type { Job } from '../../../shared/schemas.ts';
import { client } from '../api/client.ts';
import { attempt } from '../lib/attempt.ts';
import { pagedSource } from '../lib/grid-source.ts';
import { jobEnded, unfinishedRunMessage } from '../lib/job-ended.ts';
import { rememberOpenRun, runToOpen } from '../lib/run-to-open.ts';
import { useRecompute } from '../lib/recompute.ts';

export const useMasksStore = defineStore('masks', () => {
  const runs = ref<MaskRun[]>([]);
  const runId = ref<number | null>(null);
  const summary = shallowRef<MaskSummary | null>(null);
  const segment = ref<number | null>(null);
  const current = shallowRef<ImageMask | null>(null);
  const opacity = ref(0.55);
  const error = ref<string | null>(null);
  let unsubscribe: (() => void) | null = null;

  const run = computed(() => runs.value.find((candidate) => candidate.id === runId.value) ?? null);

  const images = pagedSource(
    (offset, limit) =>
      runId.value === null ? Promise.resolve({ total: 0, items: [] }) : client.call('masks.images', { runId: runId.value, segment: segment.value, offset, limit }),
    (member: MaskMember) => ({ id: member.imageId, relPath: member.relPath, status: 'ok', error: null, duplicateCount: 1 }),
  );

  const recompute = useRecompute((replace) => client.call('masks.recompute', { runId: runId.value as number, replace }), error, () => void loadRuns());

  async function loadRuns() {
    const next = await attempt(error, () => client.call('masks.runs', {}));
    if (next) runs.value = next;
  }

  async function loadSummary() {
    if (runId.value === null) return;
    const id = runId.value;
    const next = await attempt(error, () => client.call('masks.summary', { runId: id }));
    if (next && id === runId.value) summary.value = next;
  }

  async function start() {
    unsubscribe ??= client.onEvent((event) => {
      if (event.type === 'job' && event.job.kind === 'masks' && jobEnded(event.job)) void onJobEnded(event.job);
    });
    await loadRuns();
    const opening = runToOpen('masks', runs.value);
    if (runId.value === null && opening) await selectRun(opening.id);
  }

  async function onJobEnded(job: Job) {
    await loadRuns();
    await loadSummary();
    images.refresh();
    // Said after the reload, whose success clears the error line.
    if (run.value?.jobId === job.id) error.value = unfinishedRunMessage('Mask', run.value.id, job) ?? error.value;
  }

  async function selectRun(id: number) {
    runId.value = id;
    rememberOpenRun('masks', id);
    segment.value = null;
    current.value = null;
    summary.value = null;
    await loadSummary();
    images.reset();
  }

  function filterBySegment(next: number | null) {
    segment.value = next;
    images.reset();
  }

  async function open(imageId: number) {
    if (runId.value === null) return;
    const id = runId.value;
    const found = await attempt(error, () => client.call('masks.get', { runId: id, imageId }));
    if (found && id === runId.value) current.value = found;
  }

  async function renameSegment(id: number, name: string) {
    if (runId.value === null) return;
    const run = runId.value;
    if (!(await attempt(error, () => client.call('masks.renameSegment', { runId: run, segment: id, name })))) return;
    await Promise.all([loadSummary(), loadRuns()]);
    if (current.value) await open(current.value.imageId);
  }

  return { runs, runId, run, summary, segment, current, opacity, images, error, recompute, start, selectRun, filterBySegment, open, renameSegment };
});
