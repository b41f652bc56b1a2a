"""Sample a trained run with the PyTorch DDIM reference sampler (for parity checks and debugging).

Initial noise, condition vectors and layouts can be given as .npy files so that another sampler (the app's
ONNX one) can be compared on exactly the same inputs; otherwise noise comes from --seed and conditions are
drawn from the training set (SPEC §6).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ..guidance import FORMS
from .errors import USER_ERRORS, report_user_error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = __doc__
    parser.add_argument("--run", metavar="RUN_DIR", help="training run directory")
    parser.add_argument("--checkpoint", default="latest", help="'latest' (default), 'best', or a checkpoint file")
    parser.add_argument("--out", required=True, type=Path, metavar="PNG", help="grid image to write")
    parser.add_argument("--count", type=int, default=16, help="number of samples (default: 16)")
    parser.add_argument("--steps", type=int, default=50, help="DDIM steps (default: 50; the paper's test setting is 250)")
    parser.add_argument("--w", type=float, default=2.0, help="guidance weight (default: 2.0)")
    parser.add_argument("--guidance", choices=FORMS, default="imagen",
                        help="imagen: (1-w)·ε∅ + w·εc (default); ho-salimans: (1+w)·εc − w·ε∅")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise and of the drawn conditions")
    parser.add_argument("--index", type=int, help="image-level modes: use the one-hot of this class/cluster for all samples")
    parser.add_argument("--noise", type=Path, help=".npy float32 [N, C, H, W] initial noise x_T")
    parser.add_argument("--vector", type=Path, help=".npy float32 [N, k] condition vectors")
    parser.add_argument("--layout", type=Path, help=".npy float32 [N, L, H, W] layouts (box/mask)")
    parser.add_argument("--save-npy", type=Path, help="also write the samples as .npy float32 [N, C, H, W] in [-1, 1]")
    parser.add_argument("--raw", action="store_true", help="use the raw (non-EMA) weights")


def _inputs(args, trained):
    import torch

    from ..data.source import build_datasets
    from ..preview import preview_conditions

    cfg, cond = trained.config, trained.cond
    if args.noise:
        noise = torch.from_numpy(np.load(args.noise).astype(np.float32))
    else:
        shape = (args.count, trained.unet_config.image_channels, cfg.resolution, cfg.resolution)
        noise = torch.randn(shape, generator=torch.Generator().manual_seed(args.seed))
    vector = layout = None
    if cond.conditional:
        if args.vector:
            vector = torch.from_numpy(np.load(args.vector).astype(np.float32))
            layout = torch.from_numpy(np.load(args.layout).astype(np.float32)) if args.layout else None
        elif args.index is not None and not cond.spatial:
            if not 0 <= args.index < cond.vector_dim:
                raise ValueError(f"--index must be in [0, {cond.vector_dim})")
            vector = torch.zeros(noise.shape[0], cond.vector_dim)
            vector[:, args.index] = 1.0
        else:
            vector, layout = preview_conditions(build_datasets(cfg)[0], noise.shape[0], args.seed)
        if cond.spatial and layout is None:
            raise ValueError(f"cond mode {cond.mode!r} needs --layout with --vector")
    return noise, vector, layout


def main(args: argparse.Namespace) -> int:
    from ..loading import TrainedModel, resolve_checkpoint
    from ..preview import save_grid
    from ..sampler import ddim_sample

    try:
        trained = TrainedModel(resolve_checkpoint(args.run, args.checkpoint), use_ema=not args.raw)
        noise, vector, layout = _inputs(args, trained)
    except USER_ERRORS as e:
        return report_user_error(e)
    images = ddim_sample(trained.model, noise, vector, layout, steps=args.steps, w=args.w, form=args.guidance)
    save_grid(images, args.out)
    if args.save_npy:
        np.save(args.save_npy, images.numpy().astype(np.float32))
    print(json.dumps({"event": "sample", "path": str(args.out), "count": images.shape[0], "steps": args.steps,
                      "w": args.w, "guidance": args.guidance, "step": trained.step}), flush=True)
    return 0
