"""Export a run's EMA UNet to ONNX (model.onnx) with its contract (model.json) for the app's sampler."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import USER_ERRORS, report_user_error

PARITY_TOLERANCE = 1e-4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__
    parser.add_argument("--run", metavar="RUN_DIR", help="training run directory")
    parser.add_argument("--checkpoint", default="latest", help="'latest' (default), 'best', or a checkpoint file")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="where model.onnx and model.json go")
    parser.add_argument("--no-verify", action="store_true", help="skip the ONNX Runtime vs PyTorch parity check")


def main(args: argparse.Namespace) -> int:
    from ..loading import TrainedModel, resolve_checkpoint
    from ..onnx_export import export

    try:
        trained = TrainedModel(resolve_checkpoint(args.run, args.checkpoint))
    except USER_ERRORS as e:
        return report_user_error(e)
    meta = export(trained, args.out, verify=not args.no_verify)
    diff = meta.get("export_check", {}).get("max_abs_diff")
    print(json.dumps({"event": "export", "onnx": str(args.out / "model.onnx"), "json": str(args.out / "model.json"),
                      "step": trained.step, "max_abs_diff": diff}), flush=True)
    if diff is not None and diff > PARITY_TOLERANCE:
        print(f"error: ONNX Runtime differs from PyTorch by {diff:.3g} (> {PARITY_TOLERANCE})", file=sys.stderr)
        return 1
    return 0
