"""Serve moto's SageMaker URL with `StudioResponse` (see `responses`)."""

from __future__ import annotations

from ..moto_api import SageMakerResponse, replace_handler, sagemaker_urls
from .responses import StudioResponse


def register() -> None:
    """Idempotent; both `mock_aws` and moto's server read this URL when they build the
    SageMaker handler."""
    replace_handler(sagemaker_urls.url_paths, SageMakerResponse, StudioResponse)
