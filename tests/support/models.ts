// The random-weight ViT fixture (vit_tiny16: D = 64, patch 16, input 224) made by the trainer:
//   .venv/bin/python -m selfguide_trainer export-vit --random-tiny --out tests/fixtures/vit-tiny.onnx
import { fileURLToPath } from 'node:url';

export const TINY_VIT = fileURLToPath(new URL('../fixtures/vit-tiny.onnx', import.meta.url));
export const TINY_VIT_SIDECAR = fileURLToPath(new URL('../fixtures/vit-tiny.json', import.meta.url));
