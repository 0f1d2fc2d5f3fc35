"""moto's CloudWatch responses under the emulator's controls."""

from __future__ import annotations

from ..controlled import ControlledResponse
from ..moto_api import CloudWatchResponse


class CloudWatchEmulatorResponse(ControlledResponse, CloudWatchResponse):
    controlled_service = "cloudwatch"


__all__ = ["CloudWatchEmulatorResponse"]
