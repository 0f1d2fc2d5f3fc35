"""The AWS Price List service (`pricing`), which moto 5.2.5 lacks, on the emulator's port.

boto3's `pricing` client speaks JSON 1.1: a POST with `X-Amz-Target:
AWSPriceListService.<Action>`. `ControlApp` sends those requests here before moto's
dispatcher (which has no backend for them and would answer 500). Served: GetProducts
(filters TERM_MATCH/EQUALS/CONTAINS/ANY_OF/NONE_OF on any product attribute, `productFamily`
or `sku`; `MaxResults` 1-100, default 100; `NextToken`), GetAttributeValues and
DescribeServices, from `models.catalog`. Every call goes into the emulator's call log as
service "pricing" and obeys its delays and faults ("GetProducts", "pricing:*").

Not served by `mock_aws` (moto's in-process mock has no pricing service to patch).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from ..control import before_call, params_snapshot
from .models import FORMAT_VERSION, catalog

TARGET_PREFIX = "AWSPriceListService."
SERVICE = "pricing"
MAX_RESULTS = 100
FILTER_TYPES = frozenset({"TERM_MATCH", "EQUALS", "CONTAINS", "ANY_OF", "NONE_OF"})


class PriceListError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _error(code: str, message: str, status: int) -> Response:
    # The awsJson1.1 error shape botocore reads (`__type`, `Message`).
    return Response(
        json.dumps({"__type": code, "Message": message}),
        status=status,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "x-amzn-ErrorType": code,
            "x-amzn-RequestId": str(uuid.uuid4()),
        },
    )


# --------------------------------------------------------------------------- pagination


def _query_hash(action: str, params: dict[str, Any]) -> str:
    # A token is only valid for the query it came from, as on AWS.
    query = {k: v for k, v in params.items() if k not in ("NextToken", "MaxResults")}
    text = json.dumps([action, query], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _page(action: str, params: dict[str, Any], items: list[Any]) -> tuple[list[Any], str | None]:
    max_results = params.get("MaxResults")
    if max_results is None:
        limit = MAX_RESULTS
    elif isinstance(max_results, int) and 1 <= max_results <= MAX_RESULTS:
        limit = max_results
    else:
        raise PriceListError(
            "InvalidParameterException",
            f"MaxResults must be between 1 and {MAX_RESULTS}, not {max_results!r}",
        )
    if catalog.page_size is not None:
        limit = min(limit, catalog.page_size)
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(str(token).encode()))
            start = int(decoded["offset"])
            valid = decoded["query"] == _query_hash(action, params) and 0 <= start <= len(items)
        except (ValueError, KeyError, TypeError, binascii.Error):
            valid = False
        if not valid:
            raise PriceListError("InvalidNextTokenException", "The pagination token is invalid.")
    end = start + limit
    following = None
    if end < len(items):
        following = base64.urlsafe_b64encode(
            json.dumps({"offset": end, "query": _query_hash(action, params)}).encode()
        ).decode()
    return items[start:end], following


# --------------------------------------------------------------------------- actions


def _field(product: dict[str, Any], name: str) -> str | None:
    if name == "productFamily":
        return str(product["product"].get("productFamily"))
    if name == "sku":
        return str(product["product"].get("sku"))
    value = product["product"].get("attributes", {}).get(name)
    return None if value is None else str(value)


def _matches(product: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
    for f in filters:
        value = _field(product, str(f["Field"]))
        wanted = str(f["Value"])
        kind = f["Type"]
        if kind in ("TERM_MATCH", "EQUALS"):
            ok = value == wanted
        elif kind == "CONTAINS":
            ok = value is not None and wanted in value
        elif kind == "ANY_OF":
            ok = value in {v.strip() for v in wanted.split(",")}
        else:  # NONE_OF: a product without the attribute is not excluded
            ok = value not in {v.strip() for v in wanted.split(",")}
        if not ok:
            return False
    return True


def _check_filters(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise PriceListError("InvalidParameterException", "Filters must be a list")
    for f in raw:
        if not isinstance(f, dict) or not f.get("Field") or f.get("Value") is None:
            raise PriceListError(
                "InvalidParameterException", "Each filter needs a Type, a Field and a Value"
            )
        if f.get("Type") not in FILTER_TYPES:
            raise PriceListError(
                "InvalidParameterException",
                f"Invalid filter type {f.get('Type')!r}: one of {', '.join(sorted(FILTER_TYPES))}",
            )
    return list(raw)


def _check_format(params: dict[str, Any]) -> None:
    version = params.get("FormatVersion", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise PriceListError(
            "InvalidParameterException", f"FormatVersion {version!r} is not supported"
        )


def get_products(params: dict[str, Any]) -> dict[str, Any]:
    service_code = params.get("ServiceCode")
    if not service_code:
        raise PriceListError("InvalidParameterException", "ServiceCode is required")
    _check_format(params)
    filters = _check_filters(params.get("Filters"))
    found = catalog.products(str(service_code), lambda p: _matches(p, filters))
    page, token = _page("GetProducts", params, found)
    result: dict[str, Any] = {
        "FormatVersion": FORMAT_VERSION,
        # Each entry is a JSON string, as AWS sends them.
        "PriceList": [json.dumps(p) for p in page],
    }
    if token:
        result["NextToken"] = token
    return result


def get_attribute_values(params: dict[str, Any]) -> dict[str, Any]:
    service_code, name = params.get("ServiceCode"), params.get("AttributeName")
    if not service_code or not name:
        raise PriceListError(
            "InvalidParameterException", "ServiceCode and AttributeName are required"
        )
    products = catalog.products(str(service_code))
    if not products:
        raise PriceListError("NotFoundException", f"Service {service_code} was not found", 400)
    values = sorted({v for p in products if (v := _field(p, str(name)))})
    page, token = _page("GetAttributeValues", params, [{"Value": v} for v in values])
    result: dict[str, Any] = {"AttributeValues": page}
    if token:
        result["NextToken"] = token
    return result


def describe_services(params: dict[str, Any]) -> dict[str, Any]:
    _check_format(params)
    wanted = params.get("ServiceCode")
    services = []
    for code in catalog.service_codes():
        if wanted and code != wanted:
            continue
        names = {n for p in catalog.products(code) for n in p["product"]["attributes"]}
        services.append({"ServiceCode": code, "AttributeNames": sorted(names | {"productFamily"})})
    page, token = _page("DescribeServices", params, services)
    result: dict[str, Any] = {"Services": page, "FormatVersion": FORMAT_VERSION}
    if token:
        result["NextToken"] = token
    return result


ACTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "GetProducts": get_products,
    "GetAttributeValues": get_attribute_values,
    "DescribeServices": describe_services,
}


def is_price_list_request(environ: dict[str, Any]) -> bool:
    return str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(TARGET_PREFIX)


def handle(request: Request) -> Response:
    """Answer one Price List request (the call log, delays and faults first)."""
    action = str(request.headers.get("X-Amz-Target", ""))[len(TARGET_PREFIX) :]
    try:
        params = json.loads(request.data or b"{}")
    except ValueError:
        params = None
    if not isinstance(params, dict):
        return _error("SerializationException", "The request body is not a JSON object", 400)
    fault = before_call(action, SERVICE, params_snapshot(params))
    if fault is not None:
        return _error(fault.code, fault.message, fault.status)
    handler = ACTIONS.get(action)
    if handler is None:
        return _error("UnknownOperationException", f"Unknown operation {action!r}", 400)
    try:
        result = handler(params)
    except PriceListError as e:
        return _error(e.code, e.message, e.status)
    return Response(
        json.dumps(result),
        status=200,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "x-amzn-RequestId": str(uuid.uuid4()),
        },
    )


__all__ = ["ACTIONS", "TARGET_PREFIX", "handle", "is_price_list_request"]
