import pytest
import torch

from selfguide_trainer.diffusion.conditioning import CondSpec, drop_condition
from selfguide_trainer.diffusion.presets import unet_config
from selfguide_trainer.diffusion.unet import UNet, norm_groups


def test_cfg_dropout_zeroes_vector_and_layout_together():
    torch.manual_seed(0)
    vector = torch.rand(2000, 5) + 0.1
    layout = torch.rand(2000, 3, 4, 4) + 0.1
    g = torch.Generator().manual_seed(1)
    v, l, keep = drop_condition(vector, layout, 0.1, g)
    dropped_v = (v == 0).all(dim=1)
    dropped_l = (l == 0).flatten(1).all(dim=1)
    assert torch.equal(dropped_v, dropped_l)  # never one without the other
    assert torch.equal(dropped_v, ~keep)
    assert 0.07 < dropped_v.float().mean().item() < 0.13  # p = 0.1 per sample
    assert torch.equal(v[keep], vector[keep]) and torch.equal(l[keep], layout[keep])  # kept samples untouched
    v0, _, keep0 = drop_condition(vector, None, 0.0, torch.Generator().manual_seed(1))
    assert keep0.all() and torch.equal(v0, vector)


def test_cond_spec_sizes_per_mode():
    assert (CondSpec.build("label", num_classes=10).vector_dim, CondSpec.build("label", num_classes=10).layout_channels) == (10, 0)
    assert CondSpec.build("box", num_clusters=7).layout_channels == 1
    mask = CondSpec.build("mask", num_segments=27)
    assert (mask.vector_dim, mask.layout_channels, mask.spatial) == (27, 27, True)
    with pytest.raises(ValueError, match="num_clusters"):
        CondSpec.build("cluster")
    with pytest.raises(ValueError, match="unknown cond mode"):
        CondSpec.build("text")


def test_norm_groups():
    assert norm_groups(128) == 32 and norm_groups(64) == 32  # ADM's GroupNorm(32) where it fits
    assert norm_groups(32) == 16 and norm_groups(48) == 24 and norm_groups(6) == 3  # >= 2 channels per group


@pytest.mark.parametrize("vector_dim,layout_channels", [(0, 0), (10, 0), (4, 1), (5, 5)])
def test_unet_shapes_zero_init_and_condition_paths(vector_dim, layout_channels):
    torch.manual_seed(0)
    model = UNet(unet_config("tiny", 3, vector_dim, layout_channels))
    x, t = torch.randn(2, 3, 16, 16), torch.tensor([3.0, 700.0])
    vector = torch.rand(2, vector_dim) if vector_dim else None
    layout = torch.rand(2, layout_channels, 16, 16) if layout_channels else None
    assert torch.count_nonzero(model(x, t, vector, layout)) == 0  # zero-init output conv
    for p in model.parameters():  # leave zero init: the conditioning must now change ε
        p.data.normal_(0, 0.05)
    eps = model(x, t, vector, layout)
    assert eps.shape == x.shape
    if vector_dim:
        assert not torch.allclose(eps, model(x, t, torch.zeros_like(vector), layout))
    if layout_channels:
        assert not torch.allclose(eps, model(x, t, vector, torch.zeros_like(layout)))
