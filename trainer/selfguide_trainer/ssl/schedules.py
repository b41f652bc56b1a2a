"""Per-step schedules of the DINO recipe (DINO defines them per iteration too)."""

import math


def cosine(start: float, end: float, step: int, total: int) -> float:
    """start at step 0 -> end at step `total` along half a cosine."""
    progress = min(step, total) / max(total, 1)
    return end + 0.5 * (start - end) * (1 + math.cos(math.pi * progress))


def warmup_cosine(peak: float, final: float, warmup: int, step: int, total: int) -> float:
    """Linear warm-up from 0 to `peak` over `warmup` steps, then cosine to `final` (the learning rate)."""
    if step < warmup:
        return peak * step / warmup
    return cosine(peak, final, step - warmup, total - warmup)


def linear_warmup(start: float, end: float, warmup: int, step: int) -> float:
    """start -> end linearly over `warmup` steps, then constant (the teacher temperature)."""
    if step >= warmup:
        return end
    return start + (end - start) * step / warmup
