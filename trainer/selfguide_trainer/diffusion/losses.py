"""The training objective of SPEC §5: ε-prediction MSE at uniform t with classifier-free dropout."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .conditioning import drop_condition
from .schedule import Diffusion


def diffusion_loss(model, diffusion: Diffusion, x0: torch.Tensor, vector: torch.Tensor | None, layout: torch.Tensor | None,
                   generator: torch.Generator, cfg_drop: float, precision: str = "fp32", channels_last: bool = False) -> torch.Tensor:
    """All randomness (t, ε, dropout) comes from `generator`, so a step is reproducible from its seed."""
    t = torch.randint(0, diffusion.num_timesteps, (x0.shape[0],), generator=generator, device=x0.device)
    noise = torch.randn(x0.shape, generator=generator, device=x0.device)
    if vector is not None:
        vector, layout, _ = drop_condition(vector, layout, cfg_drop, generator)
    x_t = diffusion.q_sample(x0, t, noise)
    if channels_last:
        x_t = x_t.contiguous(memory_format=torch.channels_last)
    with torch.autocast(x0.device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
        eps = model(x_t, t.float(), vector, layout)
    return F.mse_loss(eps.float(), noise)
