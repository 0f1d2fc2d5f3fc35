"""Serve moto's CloudWatch URLs with the controlled responses."""

from __future__ import annotations

from ..moto_api import CloudWatchResponse, cloudwatch_urls, replace_handler
from .responses import CloudWatchEmulatorResponse


def register() -> None:
    """Idempotent; both `mock_aws` and moto's server read these URLs when they build the
    service's handler."""
    replace_handler(cloudwatch_urls.url_paths, CloudWatchResponse, CloudWatchEmulatorResponse)
