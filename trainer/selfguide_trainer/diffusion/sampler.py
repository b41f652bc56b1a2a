"""DDIM (η = 0) with classifier-free guidance: the reference sampler (SPEC §6).

The TypeScript ONNX sampler is checked against `ddim_sample`, so every choice is spelled out here:
- timesteps (LDM "uniform"): c = T // S, τ_i = i·c + 1 for i = 0..S-1, visited from τ_{S-1} down to τ_0;
  ᾱ at τ_i is alphas_cumprod[τ_i]; the "previous" ᾱ of τ_i is alphas_cumprod[τ_{i-1}], and alphas_cumprod[0]
  for i = 0. The model is called with t = τ_i (float).
- one step: ε̃ = guided ε; x̂0 = (x − √(1−ᾱ)·ε̃)/√ᾱ, clipped to [−1, 1]; ε̃ is recomputed from the clipped
  x̂0 (ε̃ = (x − √ᾱ·x̂0)/√(1−ᾱ), as ADM does); x_prev = √ᾱ_prev·x̂0 + √(1−ᾱ_prev)·ε̃.
- the result is the last x_prev clipped to [−1, 1]. All schedule arithmetic in float64, tensors in float32.
"""

from __future__ import annotations

import torch

from .guidance import guided_eps, needs_branches
from .schedule import Diffusion


def ddim_timesteps(num_steps: int, num_timesteps: int = 1000) -> list[int]:
    """LDM uniform spacing, ascending: [1, 1+c, 1+2c, ...] with c = T // S.

    The +1 offset means S = T would reach t = T, past the schedule's last index, so S < T.
    """
    if not 1 <= num_steps <= num_timesteps - 1:
        raise ValueError(f"steps must be in [1, {num_timesteps - 1}], got {num_steps}")
    c = num_timesteps // num_steps
    return [i * c + 1 for i in range(num_steps)]


def guided_model_eps(model, x, t, vector, layout, w: float, form: str):
    """One guided ε evaluation; the conditional and unconditional branches share one batched call."""
    if vector is None:  # unconditional model: guidance has nothing to act on
        return model(x, t)
    need_uncond, need_cond = needs_branches(w, form)
    null_vector = torch.zeros_like(vector)
    null_layout = torch.zeros_like(layout) if layout is not None else None
    if not need_cond:
        return model(x, t, null_vector, null_layout)
    if not need_uncond:
        return model(x, t, vector, layout)
    both_layout = torch.cat([null_layout, layout]) if layout is not None else None
    eps_u, eps_c = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([null_vector, vector]), both_layout).chunk(2)
    return guided_eps(eps_u, eps_c, w, form)


@torch.no_grad()
def ddim_sample(model, noise: torch.Tensor, vector: torch.Tensor | None = None, layout: torch.Tensor | None = None,
                steps: int = 50, w: float = 2.0, form: str = "imagen", diffusion: Diffusion | None = None) -> torch.Tensor:
    """Deterministic DDIM from explicit initial noise x_T [B, C, H, W]; returns images in [-1, 1]."""
    diffusion = diffusion or Diffusion()
    abar = diffusion.alphas_cumprod
    taus = ddim_timesteps(steps, diffusion.num_timesteps)
    x = noise.float()
    for i in reversed(range(len(taus))):
        a = abar[taus[i]].item()
        a_prev = abar[taus[i - 1]].item() if i > 0 else abar[0].item()
        t = torch.full((x.shape[0],), float(taus[i]), device=x.device)
        eps = guided_model_eps(model, x, t, vector, layout, w, form).float()
        x0 = ((x - (1 - a) ** 0.5 * eps) / a**0.5).clamp(-1, 1)
        eps = (x - a**0.5 * x0) / (1 - a) ** 0.5
        x = a_prev**0.5 * x0 + (1 - a_prev) ** 0.5 * eps
    return x.clamp(-1, 1)
