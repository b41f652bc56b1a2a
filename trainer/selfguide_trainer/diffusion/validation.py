"""A validation loss that is comparable across checkpoints: fixed images, fixed t and fixed noise."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .data.loader import collate_skipping_bad


class ValidationSet:
    def __init__(self, dataset, count: int, seed: int, num_timesteps: int, batch: int = 64):
        items = [item for item in (dataset[(0, i)] for i in range(min(count, len(dataset)))) if item is not None]
        self.batches = [collate_skipping_bad(items[i:i + batch]) for i in range(0, len(items), batch)]
        g = torch.Generator().manual_seed(seed + 7919)  # offset: not the same stream as the preview noise
        for b in self.batches:
            b["t"] = torch.randint(0, num_timesteps, (b["image"].shape[0],), generator=g)
            b["noise"] = torch.randn(b["image"].shape, generator=g)

    @torch.no_grad()
    def loss(self, model, diffusion, device, conditional: bool) -> float:
        total, count = 0.0, 0
        for b in self.batches:
            x0, noise, t = b["image"].to(device), b["noise"].to(device), b["t"].to(device)
            vector = b["vector"].to(device) if conditional else None
            layout = b["layout"].to(device) if "layout" in b else None
            eps = model(diffusion.q_sample(x0, t, noise), t.float(), vector, layout)
            total += F.mse_loss(eps.float(), noise, reduction="sum").item() / noise[0].numel()
            count += x0.shape[0]
        return total / max(count, 1)
