// What a sample's condition is compared as in condition consistency. The centroid file holds the k computed
// centroids only, so the nearest-centroid rule can name computed clusters, not those a person made: a cluster
// merged into another counts as the one it went into, a cluster made by a split as the one it was split from.
import type { ClusterInfo } from '../../shared/clusters.ts';

/** Entry i: the id cluster i (0 … max id) is compared as. */
export function consistencyClusterMap(clusters: readonly Pick<ClusterInfo, 'id' | 'mergedInto' | 'splitFrom'>[]): number[] {
  const byId = new Map(clusters.map((cluster) => [cluster.id, cluster]));
  const size = Math.max(...clusters.map((cluster) => cluster.id)) + 1;
  return Array.from({ length: size }, (_, id) => {
    let current = id;
    for (let hops = 0; hops <= clusters.length; hops++) {
      const cluster = byId.get(current);
      const next = cluster?.splitFrom ?? cluster?.mergedInto ?? null;
      if (next === null) break;
      current = next;
    }
    return current;
  });
}
