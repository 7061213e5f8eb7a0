"""Keeps a trainer on the cores it was given: call before jax is imported, since XLA sizes its thread pool
from the process's CPU affinity."""
from __future__ import annotations

import os


def limit_cpus(threads: int) -> None:
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, cpus[:max(1, threads)])
    except (AttributeError, OSError):
        pass
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")
