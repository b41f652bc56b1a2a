"""ViT -> ONNX with the app's feature contract (SPEC §1), plus the model.json sidecar the app reads.

Graph: input `pixels` float32 [batch, 3, height, width] (already normalized); outputs `cls` [batch, D],
`patches` [batch, N, D], `keys` [batch, N, D] with N = (height // patch) * (width // patch), row-major over
the patch grid. Batch, height and width are all dynamic: the position embeddings are resampled (bicubic)
inside the graph, so LOST can feed full-resolution images padded to multiples of the patch size.
"""

import hashlib
import json
from pathlib import Path

import torch

from .model import VisionTransformer

INPUT_NAME = "pixels"
OUTPUT_NAMES = ("cls", "patches", "keys")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SIDECAR_SCHEMA_VERSION = 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sidecar_path(onnx_path: Path) -> Path:
    """model.onnx -> model.json (same folder, same stem)."""
    return Path(onnx_path).with_suffix(".json")


def export_graph(model: VisionTransformer, onnx_path: Path) -> None:
    model = model.eval()
    example = torch.zeros(2, 3, model.input_size, model.input_size)
    dynamic = {INPUT_NAME: {0: "batch", 2: "height", 3: "width"}}
    torch.onnx.export(model, (example,), str(onnx_path), input_names=[INPUT_NAME], output_names=list(OUTPUT_NAMES),
                      dynamic_shapes=dynamic, external_data=False, dynamo=True, verbose=False)


def build_sidecar(model: VisionTransformer, onnx_path: Path, *, model_id: str, arch: str, mean, std,
                  source: dict | str, license: str) -> dict:
    d, p = model.embed_dim, model.patch_size
    n = f"floor(height/{p})*floor(width/{p})"
    return {
        "schema_version": SIDECAR_SCHEMA_VERSION,
        "id": model_id,
        "arch": arch,
        "patch_size": p,
        "input_size": model.input_size,
        "embed_dim": d,
        "depth": len(model.blocks),
        "num_heads": model.blocks[0].attn.num_heads,
        "dynamic_hw": True,
        "inputs": {INPUT_NAME: {"shape": ["batch", 3, "height", "width"], "dtype": "float32"}},
        "outputs": {
            "cls": {"shape": ["batch", d], "dtype": "float32"},
            "patches": {"shape": ["batch", n, d], "dtype": "float32"},
            "keys": {"shape": ["batch", n, d], "dtype": "float32"},
        },
        "preprocessing": {
            "color": "RGB",
            "resize": {"width": model.input_size, "height": model.input_size, "interpolation": "bilinear"},
            "scale": 1 / 255,
            "mean": list(mean),
            "std": list(std),
            "pad_multiple": p,  # LOST: full resolution, zero-pad bottom/right after normalization
        },
        "onnx_file": Path(onnx_path).name,
        "sha256": sha256_file(onnx_path),
        "bytes": Path(onnx_path).stat().st_size,
        "source": source,
        "license": license,
    }


def export_onnx(model: VisionTransformer, onnx_path: Path, *, model_id: str, arch: str,
                mean=IMAGENET_MEAN, std=IMAGENET_STD, source: dict | str = "", license: str = "") -> Path:
    """Writes onnx_path and its sidecar (onnx_path with .json); returns the sidecar path."""
    onnx_path = Path(onnx_path)
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    export_graph(model, onnx_path)
    meta = build_sidecar(model, onnx_path, model_id=model_id, arch=arch, mean=mean, std=std, source=source,
                         license=license)
    path = sidecar_path(onnx_path)
    path.write_text(json.dumps(meta, indent=2) + "\n")
    return path
