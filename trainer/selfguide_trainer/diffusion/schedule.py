"""The DDPM noise schedule of SPEC §5 and the forward (noising) process."""

from __future__ import annotations

import torch

NUM_TIMESTEPS = 1000
BETA_START = 1e-4
BETA_END = 0.02


def linear_sqrt_betas(num_timesteps: int = NUM_TIMESTEPS, start: float = BETA_START, end: float = BETA_END) -> torch.Tensor:
    """betas = linspace(sqrt(start), sqrt(end), T)**2 in float64 (the LDM "linear" schedule)."""
    return torch.linspace(start**0.5, end**0.5, num_timesteps, dtype=torch.float64) ** 2


def alphas_cumprod(betas: torch.Tensor) -> torch.Tensor:
    """ᾱ_t = Π_{s<=t} (1 - β_s), float64."""
    return torch.cumprod(1.0 - betas, dim=0)


class Diffusion:
    """Holds ᾱ_t and implements q(x_t | x_0) for ε-prediction training."""

    def __init__(self, num_timesteps: int = NUM_TIMESTEPS):
        self.num_timesteps = num_timesteps
        self.betas = linear_sqrt_betas(num_timesteps)
        self.alphas_cumprod = alphas_cumprod(self.betas)

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(ᾱ_t)·x0 + sqrt(1-ᾱ_t)·ε, with t an integer tensor [B]."""
        a = self.alphas_cumprod.to(x0.device)[t].to(x0.dtype).view(-1, 1, 1, 1)
        return a.sqrt() * x0 + (1.0 - a).sqrt() * noise
