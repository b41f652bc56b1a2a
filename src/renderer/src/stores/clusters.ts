// What the Clusters view shows and edits: the clustering runs, the chosen run's clusters (people's
// decisions applied by the back end), the members of one cluster or the outliers, the images picked for
// an edit, scores against ground truth, and the map with its lasso selection.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ClusterMap, ClusterMember, ClusterRun, ClusterScores, ClusterSummary, Labelling } from '../../../shared/clusters.ts';
import type { Job } from '../../../shared/schemas.ts';
import { client } from '../api/client.ts';
import { attempt as attemptCall } from '../lib/attempt.ts';
import { type GridItem, pagedSource } from '../lib/grid-source.ts';
import { jobEnded, unfinishedRunMessage } from '../lib/job-ended.ts';
import { rememberOpenRun, runToOpen } from '../lib/run-to-open.ts';
import { useRecompute } from '../lib/recompute.ts';
import { useJobsStore } from './jobs.ts';

/** The members grid shows a cluster, or the images marked as outliers. */
export type ClusterChoice = number | 'outliers';

/** The grid of a cluster's members, or the map with the grid of its lasso selection. */
export type ClustersTab = 'grid' | 'map';

const MEMBERS_PER_CALL = 1000;

const toItem = (member: ClusterMember): GridItem => ({ id: member.imageId, relPath: member.relPath, status: 'ok', error: null, duplicateCount: 1 });

export const useClustersStore = defineStore('clusters', () => {
  const runs = ref<ClusterRun[]>([]);
  const runId = ref<number | null>(null);
  const summary = shallowRef<ClusterSummary | null>(null);
  const labellings = ref<Labelling[]>([]);
  const labellingId = ref<number | null>(null);
  const scores = shallowRef<ClusterScores | null>(null);
  const chosen = ref<ClusterChoice | null>(null);
  const tab = ref<ClustersTab>('grid');
  /** The images an edit applies to: picked in the grid on screen (the map's tab starts from its lasso). */
  const picked = ref<ReadonlySet<number>>(new Set());
  const map = shallowRef<ClusterMap | null>(null);
  const mapJobId = ref<number | null>(null);
  const mapSelection = shallowRef<readonly number[]>([]);
  const error = ref<string | null>(null);
  const busy = ref(false);
  let unsubscribe: (() => void) | null = null;

  const run = computed(() => summary.value?.run ?? null);
  const liveClusters = computed(() => summary.value?.clusters.filter((cluster) => cluster.mergedInto === null) ?? []);
  const mapJob = computed(() => (mapJobId.value === null ? null : (useJobsStore().jobs.find((job) => job.id === mapJobId.value) ?? null)));

  const members = pagedSource(
    (offset, limit) => {
      const choice = chosen.value;
      if (runId.value === null || choice === null) return Promise.resolve({ total: 0, items: [] });
      return client.call('clusters.images', { runId: runId.value, clusterId: choice === 'outliers' ? null : choice, offset, limit });
    },
    toItem,
  );
  /** The map's lasso selection, as a grid: pages of ids looked up with clusters.members. */
  const selection = pagedSource(async (offset, limit) => {
    const ids = mapSelection.value.slice(offset, offset + Math.min(limit, MEMBERS_PER_CALL));
    const items = runId.value === null || ids.length === 0 ? [] : await client.call('clusters.members', { runId: runId.value, imageIds: [...ids] });
    return { total: mapSelection.value.length, items };
  }, toItem);

  /** One call at a time from the view's buttons: `busy` disables them meanwhile. */
  async function attempt<T>(work: () => Promise<T>): Promise<T | null> {
    busy.value = true;
    try {
      return await attemptCall(error, work);
    } finally {
      busy.value = false;
    }
  }

  async function start() {
    unsubscribe ??= client.onEvent((event) => {
      if (event.type !== 'job') return;
      // A map job started elsewhere (the Jobs view's Resume, another window, the CLI) is followed too.
      if (event.job.kind === 'cluster-map' && !jobEnded(event.job)) mapJobId.value = event.job.id;
      if (jobEnded(event.job)) void onJobEnded(event.job);
    });
    await attempt(async () => {
      [runs.value, labellings.value] = await Promise.all([client.call('clusters.runs', {}), client.call('labels.list', {})]);
      labellingId.value ??= labellings.value[0]?.id ?? null;
    });
    const opening = runToOpen('clusters', runs.value);
    if (runId.value === null && opening) await selectRun(opening.id);
  }

  async function onJobEnded(job: Job) {
    if (job.kind === 'cluster') {
      runs.value = await client.call('clusters.runs', {});
      const current = runs.value.find((candidate) => candidate.id === runId.value);
      if (current?.jobId !== job.id) return;
      // A run started here has nothing shown yet; a recomputed one keeps the cluster in view.
      if (summary.value?.run.id === current.id) await reloadRun();
      else await selectRun(current.id);
      // Said after the reload, whose success clears the error line: else a failed run looks pending for good.
      error.value = unfinishedRunMessage('Clustering', current.id, job) ?? error.value;
    }
    if (job.kind === 'cluster-map' && job.state === 'done') await loadMap();
  }

  /** Nothing of the previous run stays on screen: its clusters, picks, map and lasso. */
  function forgetShownRun() {
    chosen.value = null;
    picked.value = new Set();
    map.value = null;
    mapSelection.value = [];
    members.reset();
    selection.reset();
  }

  async function selectRun(id: number) {
    runId.value = id;
    rememberOpenRun('clusters', id);
    forgetShownRun();
    await reloadRun();
    chosen.value = liveClusters.value.find((cluster) => cluster.size > 0)?.id ?? null;
    members.reset();
    // The map belongs to the run's model, so another run usually has one already.
    if (tab.value === 'map') await loadMap();
  }

  function showTab(next: ClustersTab) {
    tab.value = next;
    // An edit applies to what the tab on screen shows picked: never to images picked out of sight.
    picked.value = next === 'map' ? new Set(mapSelection.value) : new Set();
    if (next === 'map' && !map.value) void loadMap();
  }

  /** Everything shown for the run, after it changed (an edit, a recompute). */
  async function reloadRun() {
    if (runId.value === null) return;
    const id = runId.value;
    await attempt(async () => {
      const next = await client.call('clusters.summary', { runId: id });
      if (id === runId.value) applySummary(next);
    });
    if (map.value) await loadMap();
  }

  function applySummary(next: ClusterSummary) {
    summary.value = next;
    picked.value = new Set();
    if (typeof chosen.value === 'number' && next.clusters.find((cluster) => cluster.id === chosen.value)?.mergedInto != null) {
      chosen.value = next.clusters.find((cluster) => cluster.id === chosen.value)?.mergedInto ?? null;
      members.reset();
    } else {
      members.refresh();
    }
    selection.refresh();
    void loadScores();
  }

  async function loadScores() {
    const id = runId.value;
    if (id === null || labellingId.value === null || summary.value?.run.state !== 'done') return (scores.value = null);
    const labelling = labellingId.value;
    await attempt(async () => {
      const next = await client.call('clusters.score', { runId: id, labellingId: labelling });
      if (id === runId.value && labelling === labellingId.value) scores.value = next;
    });
  }

  function choose(choice: ClusterChoice) {
    chosen.value = choice;
    picked.value = new Set();
    members.reset();
  }

  function togglePick(imageId: number) {
    const next = new Set(picked.value);
    if (!next.delete(imageId)) next.add(imageId);
    picked.value = next;
  }

  /** An edit that answers the new summary. */
  async function edit(request: (id: number) => Promise<ClusterSummary>) {
    const id = runId.value;
    if (id === null) return;
    const next = await attempt(() => request(id));
    if (next && id === runId.value) {
      applySummary(next);
      if (map.value) await loadMap();
    }
  }

  const rename = (clusterId: number, name: string) =>
    attempt(async () => {
      if (runId.value === null) return;
      await client.call('clusters.rename', { runId: runId.value, clusterId, name });
      await reloadRun();
    });
  const merge = (clusterIds: number[], into: number) => edit((id) => client.call('clusters.merge', { runId: id, clusterIds, into }));
  const split = (clusterId: number, k: number) => edit((id) => client.call('clusters.split', { runId: id, clusterId, k }));
  const movePicked = (clusterId: number) => edit((id) => client.call('clusters.move', { runId: id, imageIds: [...picked.value], clusterId }));
  const markPicked = (outlier: boolean) => edit((id) => client.call('clusters.outlier', { runId: id, imageIds: [...picked.value], outlier }));

  const recompute = useRecompute(
    (replace) => client.call('clusters.recompute', { runId: runId.value as number, replace }),
    error,
    // the run is pending from now on: the view's Recompute button must say so at once
    () => void Promise.all([client.call('clusters.runs', {}).then((next) => (runs.value = next)), reloadRun()]),
  );

  async function startRun(k: number) {
    const started = await attempt(() => client.call('clusters.start', { k }));
    if (!started) return;
    useJobsStore().apply(started.job);
    runs.value = await client.call('clusters.runs', {});
    runId.value = started.run.id;
    summary.value = null;
    forgetShownRun();
  }

  async function loadMap() {
    const id = runId.value;
    if (id === null) return;
    await attempt(async () => {
      const next = await client.call('clusters.map', { runId: id });
      if (id === runId.value) map.value = next;
    });
  }

  async function computeMap() {
    if (runId.value === null) return;
    const job = await attempt(() => client.call('clusters.computeMap', { runId: runId.value as number }));
    if (!job) return;
    useJobsStore().apply(job);
    mapJobId.value = job.id;
  }

  function setMapSelection(imageIds: readonly number[]) {
    mapSelection.value = imageIds;
    picked.value = new Set(imageIds);
    selection.reset();
  }

  function selectLabelling(id: number | null) {
    labellingId.value = id;
    void loadScores();
  }

  return {
    runs,
    runId,
    run,
    summary,
    liveClusters,
    labellings,
    labellingId,
    scores,
    chosen,
    tab,
    picked,
    members,
    selection,
    map,
    mapJob,
    mapSelection,
    error,
    busy,
    start,
    selectRun,
    showTab,
    choose,
    togglePick,
    clearPicked: () => (picked.value = new Set()),
    rename,
    merge,
    split,
    movePicked,
    markPicked,
    recompute,
    startRun,
    loadMap,
    computeMap,
    setMapSelection,
    selectLabelling,
  };
});
