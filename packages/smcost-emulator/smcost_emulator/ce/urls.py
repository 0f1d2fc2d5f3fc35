"""Serve moto's Cost Explorer URLs with the emulator's responses."""

from __future__ import annotations

from ..moto_api import CostExplorerResponse, ce_urls, replace_handler
from .responses import CostExplorerEmulatorResponse


def register() -> None:
    """Idempotent; both `mock_aws` and moto's server read these URLs when they build the
    service's handler."""
    replace_handler(ce_urls.url_paths, CostExplorerResponse, CostExplorerEmulatorResponse)
