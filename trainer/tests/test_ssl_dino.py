"""The DINO objective's parts do what the recipe says: head geometry, loss pairs, centre EMA, schedules."""

import math

import torch
import torch.nn.functional as F

from selfguide_trainer.ssl.augment import MultiCropConfig, multi_crop
from selfguide_trainer.ssl.dino import DINOHead, DINOLoss
from selfguide_trainer.ssl.schedules import cosine, linear_warmup, warmup_cosine


def test_head_logits_are_cosines_thanks_to_the_normalized_last_layer():
    torch.manual_seed(0)
    head = DINOHead(in_dim=16, out_dim=50, hidden_dim=32, bottleneck_dim=8)
    with torch.no_grad():
        head.last_layer.mul_(100)  # the row norms must not matter
        logits = head(torch.randn(10, 16) * 100)
    assert logits.abs().max() <= 1 + 1e-6
    assert logits.abs().max() > 0.3


def test_loss_is_the_mean_cross_entropy_over_all_pairs_of_different_views():
    torch.manual_seed(0)
    loss_fn = DINOLoss(out_dim=5, student_temp=0.1, center_momentum=0.9)
    loss_fn.center.fill_(0.2)
    teacher = [torch.randn(4, 5) for _ in range(2)]
    student = [torch.randn(4, 5) for _ in range(3)]  # two global views, one local
    loss = loss_fn(student, teacher, teacher_temp=0.04)
    pairs = []
    for iq, t in enumerate(teacher):
        target = F.softmax((t - 0.2) / 0.04, dim=-1)
        for v, s in enumerate(student):
            if v != iq:
                pairs.append(-(target * F.log_softmax(s / 0.1, dim=-1)).sum(-1).mean())
    assert len(pairs) == 4
    assert torch.isclose(loss, torch.stack(pairs).mean())


def test_centre_is_an_ema_of_the_teacher_batch_mean():
    loss_fn = DINOLoss(out_dim=3, center_momentum=0.9)
    teacher = [torch.tensor([[1.0, 0, 0]]), torch.tensor([[0.0, 1, 0]])]
    loss_fn([teacher[0], teacher[1]], teacher, teacher_temp=0.04)
    assert torch.allclose(loss_fn.center, torch.tensor([[0.05, 0.05, 0.0]]))


def test_schedules_hit_their_endpoints():
    assert cosine(0.996, 1.0, 0, 100) == 0.996 and math.isclose(cosine(0.996, 1.0, 100, 100), 1.0)
    assert warmup_cosine(1e-3, 1e-6, 10, 0, 100) == 0.0
    assert math.isclose(warmup_cosine(1e-3, 1e-6, 10, 10, 100), 1e-3)
    assert math.isclose(warmup_cosine(1e-3, 1e-6, 10, 100, 100), 1e-6)
    assert linear_warmup(0.04, 0.07, 30, 0) == 0.04 and math.isclose(linear_warmup(0.04, 0.07, 30, 15), 0.055)
    assert linear_warmup(0.04, 0.07, 30, 500) == 0.07


def test_multi_crop_makes_two_global_and_n_local_views_deterministically():
    images = (torch.rand(5, 3, 28, 28) * 255).to(torch.uint8)
    cfg = MultiCropConfig(global_size=28, local_size=12, local_crops=4)
    a = multi_crop(images, cfg, torch.Generator().manual_seed(1))
    b = multi_crop(images, cfg, torch.Generator().manual_seed(1))
    c = multi_crop(images, cfg, torch.Generator().manual_seed(2))
    assert [tuple(x.shape) for x in a] == [(5, 3, 28, 28)] * 2 + [(5, 3, 12, 12)] * 4
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not torch.equal(a[0], c[0])
    assert not torch.allclose(a[0], a[1])  # two different views of the same images
    # normalized with mean/std: pixel 0 maps to -mean/std, pixel 1 to (1 - mean)/std
    low = -torch.tensor(cfg.mean) / torch.tensor(cfg.std)
    high = (1 - torch.tensor(cfg.mean)) / torch.tensor(cfg.std)
    for x in a:
        assert (x.amin(dim=(0, 2, 3)) >= low - 1e-5).all() and (x.amax(dim=(0, 2, 3)) <= high + 1e-5).all()
