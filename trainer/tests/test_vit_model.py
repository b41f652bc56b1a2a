"""The ViT's three outputs mean what SPEC §1 says they mean, at any input size."""

import torch

from selfguide_trainer.vit import build_vit


def record(seen: dict, name: str, pick=lambda out: out):
    """A forward hook that stores an output and returns None (a returned value would replace the output)."""
    def hook(module, inputs, output):
        seen[name] = pick(output)
    return hook


def test_outputs_have_the_contract_shapes_for_square_and_non_square_inputs():
    model = build_vit("vit_tiny16").eval()
    for h, w in [(224, 224), (64, 96), (50, 33)]:  # the last one is not a multiple of 16: partial patches drop
        cls, patches, keys = model(torch.randn(2, 3, h, w))
        n = (h // 16) * (w // 16)
        assert cls.shape == (2, 64)
        assert patches.shape == (2, n, 64)
        assert keys.shape == (2, n, 64)


def test_keys_are_the_last_blocks_attention_keys_with_heads_concatenated_and_cls_dropped():
    torch.manual_seed(0)
    model = build_vit("vit_tiny16").eval()
    last = model.blocks[-1]
    seen = {}
    last.norm1.register_forward_hook(record(seen, "normed"))
    x = torch.randn(1, 3, 48, 64)
    with torch.no_grad():
        _, _, keys = model(x)
        # qkv's output rows are [q(all heads) | k(all heads) | v(all heads)]; heads are contiguous inside each
        k = last.attn.qkv(seen["normed"])[..., 64:128]
    assert torch.allclose(keys, k[:, 1:], atol=1e-6)


def test_cls_and_patches_are_the_final_layernorm_outputs():
    torch.manual_seed(0)
    model = build_vit("vit_tiny16").eval()
    seen = {}
    model.blocks[-1].register_forward_hook(record(seen, "tokens", lambda out: out[0]))
    with torch.no_grad():
        cls, patches, _ = model(torch.randn(2, 3, 32, 48))
        normed = model.norm(seen["tokens"])
    assert torch.allclose(cls, normed[:, 0], atol=1e-6)
    assert torch.allclose(patches, normed[:, 1:], atol=1e-6)
    # LayerNorm with weight 1 / bias 0 at init: every token has zero mean
    assert cls.mean(dim=-1).abs().max() < 1e-5


def test_position_embedding_is_unchanged_at_the_trained_grid_and_resampled_elsewhere():
    torch.manual_seed(0)
    model = build_vit("vit_tiny16")
    with torch.no_grad():
        same = model.position_embedding(14, 14)
        wide = model.position_embedding(7, 28)
    assert torch.allclose(same, model.pos_embed, atol=1e-6)
    assert wide.shape == (1, 1 + 7 * 28, 64)
    assert torch.equal(wide[:, 0], model.pos_embed[:, 0])  # the CLS position is never resampled


def test_patch_tokens_are_row_major_over_the_grid():
    """A patch whose pixels alone differ changes most at its own row-major index (depth-0 view: patch_embed)."""
    model = build_vit("vit_tiny16").eval()
    x = torch.zeros(1, 3, 32, 48)  # 2 x 3 patches
    y = x.clone()
    y[:, :, 16:32, 16:32] = 1.0  # row 1, column 1 -> index 1 * 3 + 1 = 4
    with torch.no_grad():
        a = model.patch_embed(x).flatten(2).transpose(1, 2)
        b = model.patch_embed(y).flatten(2).transpose(1, 2)
    changed = (a - b).abs().sum(dim=-1)[0]
    assert changed.argmax().item() == 4
    assert (changed > 0).sum().item() == 1
