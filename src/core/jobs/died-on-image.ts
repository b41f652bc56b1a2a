// The reason recorded for an image whose job process died while working on it alone: the decoder or ONNX
// Runtime crashed on it natively (or the process was killed twice on it), so the job goes past it.
export const DIED_ON_IMAGE =
  "the job's process died while this image alone was being decoded or inferred (a crash in the image decoder or ONNX Runtime); skipped";
