"""Resumable, distributed data order: a seeded permutation per epoch, sharded across ranks like
DistributedSampler, that can start mid-epoch. Bad items are dropped by the collate function and counted."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, DistributedSampler


class ResumableSampler(DistributedSampler):
    """DistributedSampler that yields (epoch, index) keys and can skip the first `start` keys of an epoch."""

    def __init__(self, dataset, num_replicas: int, rank: int, seed: int):
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=True, seed=seed, drop_last=True)
        self.start = 0

    def set_position(self, epoch: int, start: int) -> None:
        self.set_epoch(epoch)
        self.start = start

    def __iter__(self):
        keys = list(super().__iter__())[self.start:]
        return iter([(self.epoch, i) for i in keys])

    def __len__(self) -> int:
        return self.num_samples - self.start


def collate_skipping_bad(items: list) -> dict:
    good = [item for item in items if item is not None]
    batch = {"skipped": len(items) - len(good)}
    if good:
        for key in good[0]:
            batch[key] = torch.stack([item[key] for item in good])
    return batch


def make_loader(dataset, sampler: ResumableSampler, batch_size: int, workers: int) -> DataLoader:
    # its own generator: starting an iterator must not draw from the global RNG (exact resume depends on it);
    # persistent workers: on small data sets, starting the worker processes again every epoch dominated
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=workers, drop_last=True,
                      collate_fn=collate_skipping_bad, pin_memory=torch.cuda.is_available(),
                      persistent_workers=workers > 0,
                      generator=torch.Generator().manual_seed(sampler.seed))
