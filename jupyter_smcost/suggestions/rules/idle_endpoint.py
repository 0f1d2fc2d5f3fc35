"""idle-endpoint: an in-service endpoint nobody called for the whole window: delete it, or
move it to serverless or asynchronous inference, which cost nothing while unused."""

from __future__ import annotations

from datetime import timedelta

from ..model import (
    HOURS_PER_MONTH,
    Action,
    EndpointFact,
    Facts,
    ResourceRef,
    Suggestion,
    Thresholds,
    suggestion_id,
    usd,
)
from . import ENDPOINTS, Rule
from ._figures import hours, price_unknown, rate

NAME = "idle-endpoint"
DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html"
ASYNC_DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html"


def _cost(endpoint: EndpointFact, facts: Facts) -> tuple[float | None, str, list[str]]:
    """(monthly cost or None, arithmetic, unpriced types) of its instance-backed variants."""
    terms: list[str] = []
    unpriced: list[str] = []
    total = 0.0
    for v in endpoint.variants:
        if v.serverless:
            continue
        price = facts.price(v.instance_type, "hosting")
        if price is None:
            unpriced.append(f"{v.instance_type or 'unknown instance'} (hosting)")
            terms.append(f"{v.instance_count} x {v.instance_type} x price unknown x 730 h")
            continue
        cost = v.instance_count * price.usd_per_hour * HOURS_PER_MONTH
        total += cost
        terms.append(f"{v.instance_count} x {v.instance_type} x {rate(price.usd_per_hour)} x 730 h")
    if unpriced:
        return None, " + ".join(terms), unpriced
    return total, f"{' + '.join(terms)} = {usd(total)}/month", unpriced


def run(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
    window = facts.endpoint_window_hours
    oldest = facts.now - timedelta(hours=thresholds.endpoint_idle_hours)
    out: list[Suggestion] = []
    for endpoint in facts.endpoints:
        if (
            endpoint.status != "InService"
            or endpoint.invocations != 0
            or endpoint.created_at is None
            or endpoint.created_at > oldest
            # Serverless variants bill per request: an idle one costs nothing.
            or all(v.serverless for v in endpoint.variants)
        ):
            continue
        saving, arithmetic, unpriced = _cost(endpoint, facts)
        recreate = (
            f"create_endpoint(EndpointName={endpoint.name!r}, "
            f"EndpointConfigName={endpoint.config_name!r})"
        )
        out.append(
            Suggestion(
                id=suggestion_id(NAME, "endpoint", endpoint.name),
                rule=NAME,
                title=f"Delete idle endpoint {endpoint.name}",
                detail=(
                    f"Endpoint {endpoint.name} had no invocations in the last {hours(window)} "
                    "but its instances bill every hour. Delete it (its endpoint configuration "
                    f"{endpoint.config_name} is kept, so `{recreate}` brings it back), or "
                    "move it to serverless inference, billed per request, or to asynchronous "
                    f"inference, which can scale to zero instances ({ASYNC_DOCS})."
                ),
                saving_usd_per_month=saving,
                arithmetic=arithmetic,
                docs_url=DOCS,
                resource=ResourceRef("endpoint", endpoint.name, endpoint.arn, endpoint.console_url),
                actions=(
                    Action(
                        id="delete-endpoint",
                        label="Delete endpoint",
                        description=(
                            f"Deletes endpoint {endpoint.name} and stops its instances. The "
                            f"endpoint configuration {endpoint.config_name} is kept: "
                            f"`{recreate}` recreates the endpoint."
                        ),
                        params={"name": endpoint.name, "config_name": endpoint.config_name},
                    ),
                ),
                saving_note=price_unknown(*unpriced) if unpriced else None,
                fingerprint=endpoint.fingerprint,
            )
        )
    return out


RULE = Rule(name=NAME, needs=(*ENDPOINTS, "endpoint-configs", "endpoint-metrics"), run=run)
