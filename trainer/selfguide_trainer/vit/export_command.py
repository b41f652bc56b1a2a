"""Export a ViT (official DINO checkpoint or random tiny fixture) to ONNX with cls/patches/keys outputs.

Writes OUT (.onnx) and its sidecar OUT with .json, then checks ONNX Runtime against PyTorch at the
training resolution and at a non-square one (dynamic height/width) and prints the result as one JSON line.
"""

import argparse
import contextlib
import json
import sys
from pathlib import Path

import numpy as np
import torch

from .presets import PRESETS, build_vit

RANDOM_TINY_ARCH = "vit_tiny16"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--arch", choices=sorted(PRESETS), help="network size (must match the checkpoint)")
    weights = parser.add_mutually_exclusive_group(required=True)
    weights.add_argument("--checkpoint", type=Path, help="DINO .pth: backbone state dict or teacher/student checkpoint")
    weights.add_argument("--random", action="store_true", help="random weights (seeded) for --arch")
    weights.add_argument("--random-tiny", action="store_true",
                         help=f"random-weight {RANDOM_TINY_ARCH} (224 px, patch 16): the app's test fixture")
    parser.add_argument("--checkpoint-key", default="teacher", choices=["teacher", "student"],
                        help="which network of a training checkpoint to export")
    parser.add_argument("--seed", type=int, default=0, help="seed of --random/--random-tiny weights")
    parser.add_argument("--out", type=Path, required=True, help="model.onnx path; the sidecar goes beside it")
    parser.add_argument("--id", dest="model_id", help="model id in the sidecar (default: the file stem)")
    parser.add_argument("--license", help="license string for the sidecar")
    parser.add_argument("--no-verify", action="store_true", help="skip the ONNX Runtime parity check")


def verify(model: torch.nn.Module, onnx_path: Path) -> dict:
    """Max |ORT - PyTorch| per output at the trained square size and at a non-square size."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    s, p = model.input_size, model.patch_size
    report = {}
    for shape in [(1, 3, s, s), (2, 3, s + 2 * p, s - p)]:
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            expected = [t.numpy() for t in model(x)]
        got = session.run(["cls", "patches", "keys"], {"pixels": x.numpy()})
        report["x".join(map(str, shape[2:]))] = {n: float(np.abs(a - b).max())
                                                 for n, a, b in zip(["cls", "patches", "keys"], expected, got)}
    return report


def main(args: argparse.Namespace) -> int:
    from .checkpoint import load_vit
    from .onnx_export import export_onnx, sha256_file

    if args.random_tiny:
        args.arch, args.random = RANDOM_TINY_ARCH, True
    if not args.arch:
        print("--arch is required with --checkpoint/--random", file=sys.stderr)
        return 2
    if args.random:
        torch.manual_seed(args.seed)
        model = build_vit(args.arch).eval()
        source = {"kind": "random weights", "seed": args.seed}
        license = args.license or "CC0-1.0 (random weights)"
    else:
        model = load_vit(args.checkpoint, args.arch, args.checkpoint_key)
        source = {"kind": "dino checkpoint", "file": args.checkpoint.name, "checkpoint_key": args.checkpoint_key,
                  "checkpoint_sha256": sha256_file(args.checkpoint)}
        # The official DINO weights (facebookresearch/dino) are released under Apache-2.0.
        license = args.license or "Apache-2.0"
    model_id = args.model_id or args.out.stem
    with contextlib.redirect_stdout(sys.stderr):  # the exporter's progress lines are not our output
        sidecar = export_onnx(model, args.out, model_id=model_id, arch=args.arch, source=source, license=license)
    result = {"event": "export", "onnx": str(args.out), "json": str(sidecar)}
    if not args.no_verify:
        result["max_abs_diff"] = verify(model, args.out)
    print(json.dumps(result), flush=True)
    return 0
