// One cached ONNX Runtime session per small built-in graph: creating a session costs milliseconds,
// running one on a few hundred rows costs microseconds, so each graph is built and loaded once.
import * as ort from 'onnxruntime-node';
import { encodeOnnxModel, type OnnxGraph } from './onnx-proto.ts';

const sessions = new Map<string, Promise<ort.InferenceSession>>();

export function graphSession(graph: OnnxGraph): Promise<ort.InferenceSession> {
  let session = sessions.get(graph.name);
  if (!session) {
    session = ort.InferenceSession.create(encodeOnnxModel(graph), { graphOptimizationLevel: 'all' });
    // A failed load is not cached, so a later call can retry.
    session.catch(() => sessions.delete(graph.name));
    sessions.set(graph.name, session);
  }
  return session;
}

export function floatTensor(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}
