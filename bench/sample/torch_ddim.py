"""PyTorch eager baseline of bench/sample: images/s of the trainer's reference DDIM sampler (ddim_sample,
guided: one batched call of 2B per step) on a run's EMA UNet. Prints one JSON line.

    .venv/bin/python bench/sample/torch_ddim.py --run RUN --batch 8 --steps 50 --w 2 --threads 2 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from selfguide_trainer.diffusion.loading import TrainedModel, resolve_checkpoint
from selfguide_trainer.diffusion.sampler import ddim_sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", required=True)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--w", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    trained = TrainedModel(resolve_checkpoint(args.run, None))
    config, cond = trained.unet_config, trained.cond
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(args.batch, config.image_channels, trained.config.resolution, trained.config.resolution, generator=generator)
    vector = torch.nn.functional.one_hot(torch.arange(args.batch) % cond.vector_dim, cond.vector_dim).float()
    seconds = []
    with torch.inference_mode():
        ddim_sample(trained.model, noise, vector, steps=2, w=args.w)  # warm-up: allocations, oneDNN kernels
        for _ in range(args.rounds):
            start = time.perf_counter()
            ddim_sample(trained.model, noise, vector, steps=args.steps, w=args.w)
            seconds.append(time.perf_counter() - start)
    print(json.dumps({"seconds": seconds, "images_per_s": args.batch / min(seconds), "torch": torch.__version__, "threads": args.threads}))


if __name__ == "__main__":
    main()
