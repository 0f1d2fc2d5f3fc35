"""SageMaker instance type names taken apart: family, size, the sizes below, GPU or not.

Pure and catalog-free: the ladder of sizes is the one EC2 names use, and a candidate size is
only offered by the rules when the facts hold a price for it, so a size a family lacks (there
is no ml.m5.medium) simply has no price and is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Every size EC2 names use, smallest first. Not every family has every size.
SIZES = (
    "nano",
    "micro",
    "small",
    "medium",
    "large",
    "xlarge",
    "2xlarge",
    "3xlarge",
    "4xlarge",
    "6xlarge",
    "8xlarge",
    "9xlarge",
    "10xlarge",
    "12xlarge",
    "16xlarge",
    "18xlarge",
    "24xlarge",
    "32xlarge",
    "48xlarge",
)

#: NVIDIA GPU families (g4dn, g5, g6, g6e, gr6, p3, p4d, p5, ...). Inferentia and Trainium
#: (inf*, trn*) are accelerators NVML cannot see, so they are not GPU types here.
_GPU_FAMILY = re.compile(r"^(g|gr|p)\d")

#: General-purpose CPU families a GPU instance falls back to, in order of preference: the
#: same size keeps the vCPU count (ml.g5.xlarge and ml.m5.xlarge both have 4 vCPUs and
#: 16 GiB). m5 first because every Studio region offers it; the rules take the first one the
#: facts hold a price for.
CPU_FALLBACK_FAMILIES = ("m5", "m6i", "m7i")

_NAME = re.compile(r"^ml\.([a-z][a-z0-9-]*)\.([a-z0-9]+)$")


@dataclass(frozen=True)
class InstanceType:
    name: str
    family: str
    size: str

    @property
    def gpu(self) -> bool:
        return bool(_GPU_FAMILY.match(self.family))

    def with_size(self, size: str) -> str:
        return f"ml.{self.family}.{size}"


def parse(name: str | None) -> InstanceType | None:
    """`ml.g5.xlarge` -> family g5, size xlarge; None for anything else (`local`, typos)."""
    if not name:
        return None
    match = _NAME.match(name)
    if match is None or match.group(2) not in SIZES:
        return None
    return InstanceType(name, match.group(1), match.group(2))


def is_gpu(name: str | None) -> bool:
    parsed = parse(name)
    return parsed is not None and parsed.gpu


def smaller_sizes(name: str | None, limit: int = 3) -> tuple[str, ...]:
    """The next `limit` sizes below `name` in its family, nearest first.

    More than one because families skip sizes (ml.c5.9xlarge -> 4xlarge): the caller takes
    the first one that has a price."""
    parsed = parse(name)
    if parsed is None:
        return ()
    below = SIZES[: SIZES.index(parsed.size)]
    return tuple(parsed.with_size(s) for s in reversed(below[-limit:] if limit > 0 else ()))


def cpu_fallbacks(name: str | None) -> tuple[str, ...]:
    """Same-size general-purpose CPU types for a GPU type, in order of preference."""
    parsed = parse(name)
    if parsed is None or not parsed.gpu:
        return ()
    return tuple(f"ml.{family}.{parsed.size}" for family in CPU_FALLBACK_FAMILIES)
