import torch

from selfguide_trainer.diffusion.guidance import guided_eps
from selfguide_trainer.diffusion.sampler import ddim_sample, ddim_timesteps
from selfguide_trainer.diffusion.schedule import Diffusion


def test_imagen_and_ho_salimans_forms():
    u, c = torch.tensor([1.0, -2.0]), torch.tensor([3.0, 0.5])
    assert torch.equal(guided_eps(u, c, 0.0), u)
    assert torch.equal(guided_eps(u, c, 1.0), c)
    assert torch.allclose(guided_eps(u, c, 2.0), 2 * c - u)  # paper default: (1-2)·u + 2·c
    assert torch.allclose(guided_eps(u, c, 0.5, "ho-salimans"), 1.5 * c - 0.5 * u)
    for w in (0.0, 1.5, 3.0):  # imagen w ≡ ho-salimans w-1
        assert torch.allclose(guided_eps(u, c, w), guided_eps(u, c, w - 1, "ho-salimans"))


class LinearEps(torch.nn.Module):
    """ε = 0.1·x + 0.3·(sum of the condition vector): the condition visibly changes the prediction."""

    def forward(self, x, t, vector=None, layout=None):
        shift = 0.0 if vector is None else 0.3 * vector.sum(dim=1).view(-1, 1, 1, 1)
        return 0.1 * x + shift


def reference_ddim(model, x, vector, steps, w):
    """The DDIM step written out from the docstring of sampler.py, one sample at a time."""
    abar = Diffusion().alphas_cumprod
    taus = ddim_timesteps(steps)
    for i in reversed(range(steps)):
        a, a_prev = abar[taus[i]].item(), (abar[taus[i - 1]] if i else abar[0]).item()
        t = torch.full((x.shape[0],), float(taus[i]))
        e = (1 - w) * model(x, t, torch.zeros_like(vector)) + w * model(x, t, vector)
        x0 = ((x - (1 - a) ** 0.5 * e) / a**0.5).clamp(-1, 1)
        e = (x - a**0.5 * x0) / (1 - a) ** 0.5
        x = a_prev**0.5 * x0 + (1 - a_prev) ** 0.5 * e
    return x.clamp(-1, 1)


def test_ddim_sample_applies_guidance_and_is_deterministic():
    model = LinearEps()
    noise = torch.randn(3, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    vector = torch.eye(3)
    for w in (0.0, 1.0, 2.0):
        got = ddim_sample(model, noise, vector, steps=10, w=w)
        assert torch.allclose(got, reference_ddim(model, noise, vector, 10, w), atol=1e-6)
    unguided, guided = ddim_sample(model, noise, vector, steps=10, w=0.0), ddim_sample(model, noise, vector, steps=10, w=2.0)
    assert (unguided - guided).abs().max() > 0.05  # the guidance weight reaches the samples
    assert torch.equal(ddim_sample(model, noise, vector, steps=10, w=2.0), guided)
