// What the Boxes view shows and edits: the LOST box runs, the run's images filtered by review status and
// cluster, the image under review with its computed box, decision and effective box, and the decisions
// (accept, reject, edited box, reassigned cluster) sent back one image at a time.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { BoxFilter, BoxRun, ImageBox, PixelBox } from '../../../shared/boxes.ts';
import type { ClusterInfo } from '../../../shared/clusters.ts';
import type { Job } from '../../../shared/schemas.ts';
import { client } from '../api/client.ts';
import { attempt } from '../lib/attempt.ts';
import { pagedSource } from '../lib/grid-source.ts';
import { jobEnded, unfinishedRunMessage } from '../lib/job-ended.ts';
import { rememberOpenRun, runToOpen } from '../lib/run-to-open.ts';
import { useRecompute } from '../lib/recompute.ts';

export const useBoxesStore = defineStore('boxes', () => {
  const runs = ref<BoxRun[]>([]);
  const runId = ref<number | null>(null);
  const filter = ref<BoxFilter>('all');
  const clusterId = ref<number | null>(null);
  /** The live clusters of the run's clustering run, split-off ones included: what a box can be given. */
  const clusters = ref<ClusterInfo[]>([]);
  const current = shallowRef<ImageBox | null>(null);
  /** Position of the current image in the filtered list, for "next". */
  const position = ref(-1);
  const error = ref<string | null>(null);
  let unsubscribe: (() => void) | null = null;

  const run = computed(() => runs.value.find((candidate) => candidate.id === runId.value) ?? null);
  const clusterName = (id: number | null) => (id === null ? 'none' : (clusters.value.find((cluster) => cluster.id === id)?.name ?? `cluster ${id}`));

  const images = pagedSource(
    (offset, limit) =>
      runId.value === null
        ? Promise.resolve({ total: 0, items: [] })
        : client.call('boxes.list', { runId: runId.value, filter: filter.value, clusterId: clusterId.value, offset, limit }),
    (box: ImageBox) => ({ id: box.imageId, relPath: box.relPath, status: 'ok', error: box.error, duplicateCount: 1 }),
  );

  const recompute = useRecompute((replace) => client.call('boxes.recompute', { runId: runId.value as number, replace }), error, () => void loadRuns());

  async function loadRuns() {
    const next = await attempt(error, () => client.call('boxes.runs', {}));
    if (next) runs.value = next;
  }

  async function start() {
    unsubscribe ??= client.onEvent((event) => {
      if (event.type === 'job' && event.job.kind === 'boxes' && jobEnded(event.job)) void onJobEnded(event.job);
    });
    await loadRuns();
    const opening = runToOpen('boxes', runs.value);
    if (runId.value === null && opening) await selectRun(opening.id);
  }

  async function onJobEnded(job: Job) {
    await loadRuns();
    images.refresh();
    // Said after the reload, whose success clears the error line.
    if (run.value?.jobId === job.id) error.value = unfinishedRunMessage('Box', run.value.id, job) ?? error.value;
  }

  async function selectRun(id: number) {
    runId.value = id;
    rememberOpenRun('boxes', id);
    current.value = null;
    position.value = -1;
    clusterId.value = null;
    const clusterRunId = run.value?.clusterRunId ?? null;
    clusters.value = [];
    if (clusterRunId !== null) {
      const summary = await attempt(error, () => client.call('clusters.summary', { runId: clusterRunId }));
      clusters.value = summary?.clusters.filter((cluster) => cluster.mergedInto === null) ?? [];
    }
    images.reset();
  }

  function setFilter(next: { filter?: BoxFilter; clusterId?: number | null }) {
    filter.value = next.filter ?? filter.value;
    clusterId.value = next.clusterId === undefined ? clusterId.value : next.clusterId;
    current.value = null;
    position.value = -1;
    images.reset();
  }

  async function open(imageId: number) {
    if (runId.value === null) return;
    const id = runId.value;
    const found = await attempt(error, () => client.call('boxes.get', { runId: id, imageId }));
    if (found && id === runId.value) current.value = found;
    for (let index = 0; index < images.total; index++) {
      if (images.itemAt(index)?.id === imageId) position.value = index;
    }
  }

  async function decide(patch: { status?: 'accepted' | 'rejected' | null; box?: PixelBox | null; clusterId?: number | null; clear?: boolean }) {
    const image = current.value;
    if (!image) return;
    const next = await attempt(error, () => client.call('boxes.decide', { runId: image.runId, imageId: image.imageId, ...patch }));
    if (!next) return;
    current.value = next;
    images.refresh();
    void loadRuns();
  }

  /**
   * Decides the current image's status and moves on (the next image is found before the list changes
   * under a filter). Calls run one after another: a burst of key presses decides one image each,
   * where calls side by side decided one image and skipped the others.
   */
  let deciding: Promise<void> = Promise.resolve();
  function decideAndNext(status: 'accepted' | 'rejected'): Promise<void> {
    deciding = deciding.then(async () => {
      const following = images.itemAt(position.value + 1)?.id;
      await decide({ status });
      if (following !== undefined) await open(following);
    });
    return deciding;
  }

  /** Opens the next image of the list (the one after the current, or the first). */
  async function next() {
    const following = images.itemAt(position.value + 1);
    if (following) await open(following.id);
  }

  return {
    runs,
    runId,
    run,
    filter,
    clusterId,
    clusters,
    clusterName,
    current,
    images,
    error,
    recompute,
    start,
    selectRun,
    setFilter,
    open,
    decide,
    decideAndNext,
    next,
  };
});
