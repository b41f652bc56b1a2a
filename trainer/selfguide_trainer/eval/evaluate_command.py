"""Evaluate a training run in its project's encoder features: FD_enc, KID, precision/recall, density/coverage,
condition consistency; writes result.json and one sample grid per condition.

Progress is printed as JSON lines like the trainer's: {"event": "progress", "phase", "done", "total"}, then
{"event": "evaluated", "result": PATH}, or {"event": "error", "message"} (exit 2 for a refused request).
Defaults are sized for a minute or two on 2 CPU cores with the tiny preset; raise --samples for real numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from pathlib import Path

from ..diffusion.commands.errors import USER_ERRORS, report_crash, report_user_error
from ..diffusion.progress import Progress


PREPROCESSING_KEYS = ("width", "height", "scale", "mean", "std")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = __doc__
    parser.add_argument("--run", required=True, type=Path, metavar="RUN_DIR", help="the trainer's run folder")
    parser.add_argument("--checkpoint", default="latest", help="'latest' (default), 'best', or a checkpoint file")
    parser.add_argument("--manifest", type=Path, help="the run's manifest (default: the one it was trained on)")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for result.json and grids/")
    parser.add_argument("--encoder", required=True, type=Path, metavar="ONNX", help="the project's encoder (cls output)")
    parser.add_argument("--encoder-name", help="how the feature space is named in the result (default: the file name)")
    parser.add_argument("--preprocessing", metavar="JSON",
                        help='{"width", "height", "scale", "mean", "std"} of the encoder (default: its sidecar model.json)')
    parser.add_argument("--centroids", type=Path, metavar="F32", help="k × D float32 centroids of the run's clustering")
    parser.add_argument("--cluster-map", metavar="JSON", help="list: cluster id → id it is compared as (merges, splits)")
    parser.add_argument("--samples", type=int, default=8, help="samples per condition (default: 8)")
    parser.add_argument("--steps", type=int, default=25, help="DDIM steps (default: 25)")
    parser.add_argument("--w", type=float, default=2.0, help="guidance weight, imagen form (default: 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise and the reference subset (default: 0)")
    parser.add_argument("--batch", type=int, default=32, help="sampling batch (default: 32)")
    parser.add_argument("--max-reference", type=int, default=500, help="real images at most (default: 500)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (1 is fastest on a busy machine)")
    parser.add_argument("--stop-on-stdin-eof", action="store_true", help="exit when stdin closes: the app that started us is gone")


def _exit_when_stdin_closes() -> None:
    fd = sys.stdin.fileno()

    def wait_for_eof() -> None:
        while os.read(fd, 4096):  # the raw fd: a buffered read in a daemon thread aborts interpreter shutdown
            pass
        os._exit(3)  # nothing to keep: result.json is written only at the end

    threading.Thread(target=wait_for_eof, name="stdin-watch", daemon=True).start()


def _preprocessing(args) -> dict:
    if args.preprocessing:
        pre = json.loads(args.preprocessing)
        missing = [key for key in PREPROCESSING_KEYS if key not in pre]
        if missing:
            raise ValueError(f"--preprocessing lacks {', '.join(missing)} (needs {', '.join(PREPROCESSING_KEYS)})")
        return pre
    from ..vit.onnx_export import sidecar_path

    sidecar = sidecar_path(args.encoder)
    if not sidecar.is_file():
        raise FileNotFoundError(f"{sidecar} not found: give the encoder's --preprocessing")
    pre = json.loads(sidecar.read_text())["preprocessing"]
    return {"width": pre["resize"]["width"], "height": pre["resize"]["height"], "scale": pre["scale"], "mean": pre["mean"], "std": pre["std"]}


def _check(args) -> None:
    for name in ("samples", "steps", "batch", "max_reference"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1")
    for what, path in (("encoder", args.encoder), ("centroids", args.centroids)):
        if path is not None and not path.is_file():
            raise FileNotFoundError(f"{what} not found: {path}")


def main(args: argparse.Namespace) -> int:
    progress = Progress()
    if args.stop_on_stdin_eof:
        _exit_when_stdin_closes()
    try:
        import torch

        from ..diffusion.loading import resolve_checkpoint
        from .run_evaluation import Clustering, Encoder, EvaluationSettings, evaluate_run

        _check(args)
        if args.threads:
            torch.set_num_threads(args.threads)
        encoder = Encoder(args.encoder, _preprocessing(args), args.encoder_name or args.encoder.name)
        clustering = Clustering(args.centroids, json.loads(args.cluster_map) if args.cluster_map else []) if args.centroids else None
        settings = EvaluationSettings(per_condition=args.samples, steps=args.steps, w=args.w, seed=args.seed, batch=args.batch,
                                      max_reference=args.max_reference)
        checkpoint = resolve_checkpoint(str(args.run), args.checkpoint)

        def report(phase: str, done: int, total: int) -> None:
            progress.emit("progress", phase=phase, done=done, total=total)

        result = evaluate_run(args.run, args.manifest, encoder, clustering, args.out, settings, report, checkpoint)
    except USER_ERRORS as e:
        return report_user_error(e, progress)
    except Exception as e:  # noqa: BLE001 - reported as an event for the app, with the traceback on stderr
        return report_crash(e, progress)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "result.json"
    tmp = path.with_name(".result.json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(path)
    progress.emit("evaluated", result=str(path), fd_enc=result["metrics"]["fd_enc"], samples=result["samples"]["count"])
    return 0
