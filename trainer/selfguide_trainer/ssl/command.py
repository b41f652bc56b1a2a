"""Pretrain a small ViT with DINO on unlabeled images, export its teacher backbone to ONNX (cls/patches/keys).

Progress is JSON lines on stdout: {"event": "step"|"checkpoint"|"export"|"eval"|"done", ...}; everything
else goes to stderr. `--resume` continues RUN_DIR from its checkpoint with the run's saved config; resuming
a finished run just redoes the export (and evaluation).
"""

import argparse
import contextlib
import json
import sys
from dataclasses import asdict
from pathlib import Path

import torch

from ..vit import PRESETS
from .data import grey_to_rgb, load_fmnist, load_image_folder, resize_uint8
from .train import CHECKPOINT, DINOConfig, DINOTrainer, load_trainer, write_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--images", type=Path, help="folder of images (recursive)")
    source.add_argument("--fmnist", action="store_true", help="Fashion-MNIST train split (labels unused)")
    parser.add_argument("--out", type=Path, required=True, help="run directory")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    d = DINOConfig()
    parser.add_argument("--arch", default=d.arch, choices=sorted(PRESETS))
    parser.add_argument("--input-size", type=int, default=d.input_size, help="global crop size (0: preset's)")
    parser.add_argument("--local-size", type=int, default=d.local_size, help="local crop size (0: ~half)")
    parser.add_argument("--local-crops", type=int, default=d.local_crops)
    parser.add_argument("--global-scale", type=float, nargs=2, default=d.global_scale, metavar=("MIN", "MAX"),
                        help="area fraction of the global crops")
    parser.add_argument("--local-scale", type=float, nargs=2, default=d.local_scale, metavar=("MIN", "MAX"),
                        help="area fraction of the local crops")
    parser.add_argument("--teacher-temp", type=float, nargs=2, default=d.teacher_temp, metavar=("START", "END"),
                        help="teacher temperature, warmed up linearly over 30%% of the run")
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--steps", type=int, default=d.steps)
    parser.add_argument("--lr", type=float, default=d.lr)
    parser.add_argument("--warmup-steps", type=int, default=d.warmup_steps)
    parser.add_argument("--out-dim", type=int, default=d.out_dim, help="DINO head output dimension")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--checkpoint-every", type=int, default=d.checkpoint_every)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--export", type=Path, help="ONNX path (default RUN_DIR/model.onnx; sidecar .json beside)")
    parser.add_argument("--model-id", help="id written into the sidecar (default ssl-ARCH-RUNDIR)")
    parser.add_argument("--license", default="same terms as the training images", help="license string for the sidecar")
    parser.add_argument("--no-eval", action="store_true", help="skip k-NN / k-means evaluation (--fmnist only)")


def emit(event: dict) -> None:
    print(json.dumps(event), flush=True)


def config_from_args(args: argparse.Namespace) -> DINOConfig:
    return DINOConfig(
        arch=args.arch, input_size=args.input_size, local_size=args.local_size, local_crops=args.local_crops,
        global_scale=tuple(args.global_scale), local_scale=tuple(args.local_scale),
        teacher_temp=tuple(args.teacher_temp), batch_size=args.batch_size, steps=args.steps, lr=args.lr,
        warmup_steps=args.warmup_steps,
        out_dim=args.out_dim, seed=args.seed, checkpoint_every=args.checkpoint_every,
    )


def load_images(args: argparse.Namespace, size: int) -> torch.Tensor:
    if args.fmnist:
        return resize_uint8(grey_to_rgb(load_fmnist("train")[0]), size)
    images, skipped = load_image_folder(args.images, size)
    for path in skipped:
        emit({"event": "skipped", "path": path, "reason": "not a readable image"})
    return images


def main(args: argparse.Namespace) -> int:
    from ..vit.onnx_export import export_onnx  # lazy: keeps `--help` fast

    if args.threads:
        torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.resume:
        if not (args.out / CHECKPOINT).exists():
            print(f"no {CHECKPOINT} in {args.out} to resume from", file=sys.stderr)
            return 2
        saved = DINOConfig.from_dict(json.loads((args.out / "config.json").read_text()))
        trainer = load_trainer(args.out, load_images(args, saved.input_size))
        emit({"event": "resumed", "step": trainer.step, "total_steps": trainer.cfg.steps})
    else:
        cfg = config_from_args(args).resolved()
        trainer = DINOTrainer(cfg, load_images(args, cfg.input_size))
        write_config(args.out, trainer.cfg)
    trainer.run(args.out, emit)

    cfg = trainer.cfg
    onnx_path = args.export or args.out / "model.onnx"
    model_id = args.model_id or f"ssl-{cfg.arch}-{args.out.name}"
    source = {"kind": "selfguide ssl (DINO)", "data": "fashion-mnist train" if args.fmnist else str(args.images),
              "steps": cfg.steps, "config": asdict(cfg)}
    with contextlib.redirect_stdout(sys.stderr):  # the exporter prints progress; stdout is for JSON lines
        sidecar = export_onnx(trainer.teacher.backbone, onnx_path, model_id=model_id, arch=cfg.arch,
                              mean=cfg.mean, std=cfg.std, source=source, license=args.license)
    emit({"event": "export", "onnx": str(onnx_path), "json": str(sidecar)})

    if args.fmnist and not args.no_eval:
        from .evaluate import evaluate_fmnist
        with contextlib.redirect_stdout(sys.stderr):
            results = evaluate_fmnist(onnx_path)
        (args.out / "eval.json").write_text(json.dumps(results, indent=2) + "\n")
        emit({"event": "eval", **results})
    emit({"event": "done", "onnx": str(onnx_path)})
    return 0
