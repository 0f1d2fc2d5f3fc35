"""Every name the emulator takes from moto, in one place.

Checked against moto 5.2.6 (the version in `requirements/dev.txt`; this package's pyproject
bounds moto to `>=5.2.6,<5.3`). Moving the lock forward means re-reading this module first:
the emulator subclasses moto's responses and backends, which moto does not promise to keep
stable between minors.

Only two names below reach past moto's public surface, each because moto offers no public
way to do it; both are wrapped in a function so that a moto change breaks here, loudly:

- `resource_from_arn`: moto's `SageMakerModelBackend._get_resource_from_arn` (the tag calls
  need "the resource this ARN names" for moto's own endpoints, models and configs).
- `InvalidToken`: raised by moto's `@paginate`; 5.2 dropped its `description` attribute, so
  the message is read from `ServiceException.message`, the documented one.
"""

from __future__ import annotations

from typing import Any

from moto.ce import urls as ce_urls
from moto.ce.responses import CostExplorerResponse
from moto.cloudwatch import urls as cloudwatch_urls
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_models import BaseModel
from moto.core.common_types import TYPE_RESPONSE
from moto.core.exceptions import InvalidToken, ServiceException
from moto.core.model_instances import reset_model_data
from moto.core.responses import ActionResult, BaseResponse, EmptyResult
from moto.core.utils import camelcase_to_underscores, get_service_model, utcnow
from moto.sagemaker import urls as sagemaker_urls
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import Domain, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse, format_enum_error
from moto.sagemaker.utils import arn_formatter
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.utilities.paginator import paginate

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "ActionResult",
    "BackendDict",
    "BaseBackend",
    "BaseModel",
    "BaseResponse",
    "CloudWatchResponse",
    "CostExplorerResponse",
    "Domain",
    "DomainDispatcherApplication",
    "EmptyResult",
    "InvalidToken",
    "MotoRequestHandler",
    "ResourceInUseException",
    "ResourceNotFound",
    "SageMakerResponse",
    "ServiceException",
    "TYPE_RESPONSE",
    "ValidationError",
    "arn_formatter",
    "camelcase_to_underscores",
    "ce_urls",
    "cloudwatch_urls",
    "create_backend_app",
    "find_model",
    "format_enum_error",
    "get_service_model",
    "invalid_token_text",
    "paginate",
    "replace_handler",
    "reset_model_data",
    "resource_from_arn",
    "sagemaker_backends",
    "sagemaker_urls",
    "utcnow",
]


def sagemaker_backend(account_id: str, region: str) -> Any:
    """moto's SageMaker backend of one account and region."""
    return sagemaker_backends[account_id][region]


def find_model(account_id: str, region: str, name: str) -> Any | None:
    """moto's SageMaker model called `name`, or None (through the public describe call)."""
    try:
        return sagemaker_backend(account_id, region).describe_model(name)
    except ValidationError:
        return None


def resource_from_arn(backend: Any, arn: str) -> Any | None:
    """The moto resource an ARN names, or None. Private in moto 5.2.6 (see the module text)."""
    try:
        return backend._get_resource_from_arn(arn)
    except (AttributeError, KeyError, ValueError):
        return None


def invalid_token_text(error: InvalidToken) -> str:
    """What moto's paginator said about a NextToken it could not use."""
    return str(error.message)


def replace_handler(url_paths: dict[str, Any], moto_class: type, ours: type) -> None:
    """Serve the URLs moto's `moto_class` serves with `ours` (idempotent). Both `mock_aws`
    and moto's server resolve handlers from a service's `urls.url_paths` when they build the
    service's app, so this must run before the first request to that service."""
    for path, handler in list(url_paths.items()):
        if getattr(handler, "__self__", None) is moto_class:
            url_paths[path] = ours.dispatch  # type: ignore[attr-defined]
