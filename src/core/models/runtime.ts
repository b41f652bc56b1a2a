// ONNX Runtime for Node, configured once per process. Failures reach us as exceptions (and are
// reported on the job or the probe), so the runtime's own stderr log is limited to fatal errors;
// the level must be set before the first session, which is why every module imports it from here.
import * as ort from 'onnxruntime-node';

ort.env.logLevel = 'fatal';

export { ort };
