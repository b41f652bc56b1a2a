// One cached ONNX Runtime session per small built-in graph: creating a session costs milliseconds,
// running one on a few hundred rows costs microseconds, so each graph is built and loaded once.
import { availableParallelism, loadavg } from 'node:os';
import * as ort from 'onnxruntime-node';
import { encodeOnnxModel, type OnnxGraph } from './onnx-proto.ts';

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/**
 * Intra-op threads for the other graphs (LOST's Gram matrix): the cores not already busy when the
 * session is made. On a machine whose cores other processes hold, a second ORT thread mostly waits
 * for its turn (bench/labels, 2 cores at load ≈ 4: 0.34 s with one thread against 2.05 s with two for
 * the same k-means run). Floored: even idle, a second thread did not pay for short graphs (idle: 10k
 * 0.57 s with 2 threads against 0.32 s with one), so one spare core is not enough to take it. The
 * k-means scoring graphs take one thread each and get their cores from scoring-pool.ts instead.
 */
export function freeCores(cores = availableParallelism(), load = loadavg()[0] ?? 0): number {
  return Math.max(1, Math.min(cores, Math.floor(cores - load)));
}

/** The graph's session (made on first use with `threads` intra-op threads; a graph keeps one count). */
export function graphSession(graph: OnnxGraph, threads = freeCores()): Promise<ort.InferenceSession> {
  let session = sessions.get(graph.name);
  if (!session) {
    session = ort.InferenceSession.create(encodeOnnxModel(graph), { graphOptimizationLevel: 'all', intraOpNumThreads: threads });
    // A failed load is not cached, so a later call can retry.
    session.catch(() => sessions.delete(graph.name));
    sessions.set(graph.name, session);
  }
  return session;
}

export function floatTensor(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}
