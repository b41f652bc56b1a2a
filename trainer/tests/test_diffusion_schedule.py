import math

import pytest
import torch

from selfguide_trainer.diffusion.sampler import ddim_timesteps
from selfguide_trainer.diffusion.schedule import Diffusion, linear_sqrt_betas


def test_betas_are_squared_linspace_of_square_roots():
    betas = linear_sqrt_betas()
    assert betas.shape == (1000,) and betas.dtype == torch.float64
    assert math.isclose(betas[0].item(), 1e-4, rel_tol=1e-12)
    assert math.isclose(betas[-1].item(), 0.02, rel_tol=1e-12)
    s0, s1 = 1e-4**0.5, 0.02**0.5
    for t in (1, 250, 499, 998):
        assert math.isclose(betas[t].item(), (s0 + (s1 - s0) * t / 999) ** 2, rel_tol=1e-12)
    # the LDM schedule is not linear in beta: the middle is below the arithmetic mean
    assert betas[499].item() < (1e-4 + 0.02) / 2


def test_alphas_cumprod_and_forward_process():
    d = Diffusion()
    abar = d.alphas_cumprod
    assert math.isclose(abar[0].item(), 1 - 1e-4, rel_tol=1e-12)
    assert torch.all(abar[1:] < abar[:-1])
    s0, s1 = 1e-4**0.5, 0.02**0.5
    reference = math.prod(1 - (s0 + (s1 - s0) * t / 999) ** 2 for t in range(1000))
    assert math.isclose(abar[-1].item(), reference, rel_tol=1e-9) and 7e-4 < reference < 7.5e-4
    x0, noise = torch.ones(2, 1, 2, 2), torch.full((2, 1, 2, 2), 2.0)
    x_t = d.q_sample(x0, torch.tensor([0, 999]), noise)
    for i, t in enumerate((0, 999)):
        a = abar[t].item()
        assert torch.allclose(x_t[i], torch.full((1, 2, 2), a**0.5 + 2 * (1 - a) ** 0.5))


def test_ddim_timesteps_follow_ldm_uniform_spacing():
    assert ddim_timesteps(50) == list(range(1, 1000, 20))
    assert ddim_timesteps(250)[:3] == [1, 5, 9] and ddim_timesteps(250)[-1] == 997
    assert ddim_timesteps(1) == [1]


def test_ddim_timesteps_never_index_past_the_schedule():
    assert ddim_timesteps(999)[-1] == 999
    with pytest.raises(ValueError, match="steps must be in"):
        ddim_timesteps(1000)
