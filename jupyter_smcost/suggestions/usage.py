"""How hard this server's instance works: CPU and memory (psutil), GPU (NVIDIA's NVML
through nvidia-ml-py, when a GPU and its driver are present), sampled in the background,
and a small ledger of the hours this server ran per day (for "hours in the last 30 days").

The sampler's figures feed the right-sizing rule. The samples are kept at one a minute
for a day at most (1,440 numbers per metric); the ledger is one number per day.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..statefiles import MISSING, NotRegularFile, read_json, set_aside, write_json
from .model import SpaceUsage

log = logging.getLogger(__name__)

MAX_SAMPLES = 1440
LEDGER_DAYS = 30
LEDGER_FILE = "usage-ledger.json"
#: 30 days of one number each; anything much larger is not ours.
MAX_LEDGER_BYTES = 64 * 1024


def percentile(values: list[float], share: float) -> float:
    """The `share` (0-1) percentile by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return ordered[rank]


NO_NVML_PACKAGE = (
    "nvidia-ml-py is not installed in the Jupyter server's environment (an install from a "
    "wheel with --wheel-uri adds no dependencies): `pip install nvidia-ml-py` there, or "
    "install with --pip-spec"
)


class Gpus:
    """NVML when it can be loaded; `count` is 0 without a GPU or driver."""

    def __init__(self) -> None:
        self._nvml: Any = None
        self._handles: list[Any] = []
        #: Why there are no GPU figures, in words (None: NVML answered).
        self.unavailable: str | None = None
        try:
            import pynvml  # nvidia-ml-py
        except ImportError:
            # An install with --wheel-uri adds no dependencies, and the images lack it.
            self.unavailable = NO_NVML_PACKAGE
            log.info("jupyter-smcost: no GPU figures: %s", NO_NVML_PACKAGE)
            return
        try:
            pynvml.nvmlInit()
            self._handles = [
                pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())
            ]
            self._nvml = pynvml
        except Exception as err:  # no driver, no device: no GPU figures
            self.unavailable = f"NVML found no GPU ({err})"
            log.debug("jupyter-smcost: no GPU figures (%s)", err)

    @property
    def count(self) -> int:
        return len(self._handles)

    def sample(self) -> tuple[float, float] | None:
        """(mean GPU utilisation %, highest GPU memory use %) over the GPUs, or None."""
        if not self._handles:
            return None
        try:
            busy, memory = [], []
            for handle in self._handles:
                rates = self._nvml.nvmlDeviceGetUtilizationRates(handle)
                info = self._nvml.nvmlDeviceGetMemoryInfo(handle)
                busy.append(float(rates.gpu))
                memory.append(100.0 * float(info.used) / float(info.total or 1))
            return sum(busy) / len(busy), max(memory)
        except Exception as err:
            log.debug("jupyter-smcost: GPU sample failed: %s", err)
            return None


class UsageSampler:
    """Call `sample()` about once a minute; `usage()` summarises what was seen."""

    def __init__(
        self,
        state_dir: str | Path | None,
        *,
        cpu: Callable[[], float] | None = None,
        memory: Callable[[], float] | None = None,
        gpus: Gpus | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        if cpu is None or memory is None:
            import psutil

            psutil.cpu_percent(interval=None)  # the first call primes the counter
            cpu = cpu or (lambda: float(psutil.cpu_percent(interval=None)))
            memory = memory or (lambda: float(psutil.virtual_memory().percent))
        self._cpu = cpu
        self._memory = memory
        self._gpus = gpus if gpus is not None else Gpus()
        self._clock = clock
        self._path = Path(state_dir) / LEDGER_FILE if state_dir else None
        self.cpu: deque[float] = deque(maxlen=MAX_SAMPLES)
        self.memory: deque[float] = deque(maxlen=MAX_SAMPLES)
        self.gpu: deque[float] = deque(maxlen=MAX_SAMPLES)
        self.gpu_memory: deque[float] = deque(maxlen=MAX_SAMPLES)
        self.started = clock()
        self._last: datetime | None = None
        self._first: datetime | None = None
        self.ledger: dict[str, float] = self._load()

    def _load(self) -> dict[str, float]:
        if self._path is None:
            return {}
        raw, why = read_json(self._path, MAX_LEDGER_BYTES)
        if why == MISSING:
            return {}
        if why is None and not isinstance(raw, dict):
            why = "it is not a JSON object"
        if why is not None:
            set_aside(self._path, why, log, "usage ledger")
            return {}
        ledger = {}
        for day, hours in raw.items():
            if (
                isinstance(day, str)
                and isinstance(hours, int | float)
                and not isinstance(hours, bool)
            ):
                if math.isfinite(hours) and 0 <= hours <= 24:
                    ledger[day] = float(hours)
        return ledger

    def _save(self) -> None:
        if self._path is None:
            return
        try:
            # No fsync: it runs on the event loop every 10 minutes, and losing one save of
            # the ledger costs a few minutes of "hours this month".
            write_json(self._path, self.ledger, MAX_LEDGER_BYTES, fsync=False)
        except NotRegularFile as err:
            # Appeared since the start: out of the way; the next save writes afresh.
            set_aside(self._path, str(err.strerror), log, "usage ledger")
        except (OSError, ValueError) as err:
            log.debug("jupyter-smcost: cannot save the usage ledger: %s", err)

    def sample(self) -> None:
        now = self._clock()
        try:
            self.cpu.append(max(0.0, min(100.0, self._cpu())))
            self.memory.append(max(0.0, min(100.0, self._memory())))
        except Exception as err:
            log.debug("jupyter-smcost: usage sample failed: %s", err)
            return
        gpu = self._gpus.sample()
        if gpu is not None:
            self.gpu.append(gpu[0])
            self.gpu_memory.append(gpu[1])
        if self._first is None:
            self._first = now
        if self._last is not None:
            # Time between two samples counts as running (capped: a suspended machine).
            self._credit(self._last, min(now, self._last + timedelta(minutes=5)))
        self._last = now

    def _credit(self, start: datetime, end: datetime) -> None:
        while start < end:
            day_end = datetime.combine(
                start.date() + timedelta(days=1), datetime.min.time(), start.tzinfo
            )
            part_end = min(end, day_end)
            key = start.date().isoformat()
            self.ledger[key] = min(
                24.0, self.ledger.get(key, 0.0) + (part_end - start).total_seconds() / 3600
            )
            start = part_end
        cutoff = (end.date() - timedelta(days=LEDGER_DAYS)).isoformat()
        for day in [d for d in self.ledger if d < cutoff]:
            del self.ledger[day]

    def flush(self) -> None:
        self._save()

    def hours_last_30_days(self, today: date | None = None) -> float:
        today = today or self._clock().date()
        cutoff = (today - timedelta(days=LEDGER_DAYS - 1)).isoformat()
        return sum(h for d, h in self.ledger.items() if d >= cutoff)

    def usage(self, instance_type: str | None, component: str | None) -> SpaceUsage | None:
        if not instance_type or not component or not self.cpu or self._first is None:
            return None
        observed = ((self._last or self._first) - self._first).total_seconds() / 60
        cpu, memory = list(self.cpu), list(self.memory)
        gpu, gpu_memory = list(self.gpu), list(self.gpu_memory)
        return SpaceUsage(
            instance_type=instance_type,
            component=component,
            observed_minutes=observed,
            cpu_avg=sum(cpu) / len(cpu),
            cpu_p95=percentile(cpu, 0.95),
            memory_avg=sum(memory) / len(memory),
            memory_p95=percentile(memory, 0.95),
            gpu_count=self._gpus.count,
            gpu_unavailable=getattr(self._gpus, "unavailable", None),
            gpu_avg=sum(gpu) / len(gpu) if gpu else None,
            gpu_p95=percentile(gpu, 0.95) if gpu else None,
            gpu_memory_p95=percentile(gpu_memory, 0.95) if gpu_memory else None,
            hours_last_30_days=self.hours_last_30_days(),
            session_hours=(self._clock() - self.started).total_seconds() / 3600,
        )
