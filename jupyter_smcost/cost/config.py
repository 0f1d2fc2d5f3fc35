"""`c.Pricing` (where prices come from) and `c.Resources` (what the Cost panel lists)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from traitlets import Bool, Dict, Enum, Float, Int, TraitError, Unicode, validate
from traitlets.config import LoggingConfigurable

from ..idle.settings import MAX_MINUTES, MAX_USD
from ..tolerant_config import TolerantConfig
from .pricing.cache import PriceCache
from .pricing.components import COMPONENTS
from .pricing.model import Price, PriceKey
from .pricing.pricelist import DEFAULT_ENDPOINT_REGION, make_fetcher
from .pricing.resolver import PriceResolver, check_overrides
from .pricing.snapshot import load_snapshot
from .shared_inventory import parse_uri


class Pricing(TolerantConfig, LoggingConfigurable):
    """Where prices come from (DESIGN §6)."""

    overrides = Dict(
        help='Your own $/h, e.g. {"ml.g5.xlarge": 1.2, "training:ml.p3.2xlarge": 3.0}. Keys are '
        'an instance type, or "<component>:<instance type>" (components: '
        + ", ".join(COMPONENTS)
        + "). Overrides are used as they are: discount_percent does not apply to them.",
    ).tag(config=True)
    discount_percent = Float(
        0.0, help="A contract discount off AWS list prices, in percent (0 <= x < 100)."
    ).tag(config=True)
    use_price_list_api = Bool(
        True, help="Ask the AWS Price List API (needs pricing:GetProducts)."
    ).tag(config=True)
    endpoint_region = Unicode(
        DEFAULT_ENDPOINT_REGION,
        help="Region of the Price List API endpoint (it exists in few regions).",
    ).tag(config=True)
    cache_path = Unicode(
        "", help="The price cache file (default: price-cache.json in SMCost.state_dir)."
    ).tag(config=True)
    cache_ttl_days = Float(7.0, help="How long a price from AWS is reused.").tag(config=True)
    snapshot_path = Unicode(
        "", help="A price snapshot file to use instead of the bundled one."
    ).tag(config=True)

    @validate("overrides")
    def _valid_overrides(self, proposal: Any) -> dict[str, float]:
        # The resolver's own check, reported as a configuration error.
        try:
            return check_overrides(dict(proposal["value"]))
        except (TypeError, ValueError) as err:
            raise TraitError(f"c.Pricing.overrides: {err}") from None

    @validate("discount_percent")
    def _valid_discount(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (0 <= value < 100):
            raise TraitError(f"c.Pricing.discount_percent must be in [0, 100), not {value:g}")
        return value

    @validate("cache_ttl_days")
    def _valid_ttl(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (math.isfinite(value) and value > 0):
            raise TraitError("c.Pricing.cache_ttl_days must be a positive number of days")
        return value

    def build_resolver(
        self, state_dir: str, client_factory: Callable[[], Any] | None = None
    ) -> PriceResolver:
        cache_file = self.cache_path or str(Path(state_dir) / "price-cache.json")
        fetch = None
        if self.use_price_list_api:
            fetch = make_fetcher(client_factory, endpoint_region=self.endpoint_region)
            endpoint = os.environ.get("AWS_ENDPOINT_URL_PRICING") or os.environ.get(
                "AWS_ENDPOINT_URL"
            )
            if endpoint:
                inner = fetch

                def fetch_labelled(key: PriceKey) -> Price | None:
                    # Say so when the "Price List API" is not AWS's own (e.g. the emulator).
                    found = inner(key)
                    if found is None:
                        return None
                    return Price(
                        found.usd_per_hour,
                        found.source,
                        found.as_of,
                        f"{found.detail}, endpoint {endpoint}",
                    )

                fetch = fetch_labelled
        return PriceResolver(
            overrides=self.overrides,
            discount_percent=self.discount_percent,
            cache=PriceCache(cache_file, ttl_seconds=self.cache_ttl_days * 86400),
            fetch=fetch,
            snapshot=load_snapshot(self.snapshot_path or None),
        )


class Resources(TolerantConfig, LoggingConfigurable):
    """Which running resources the Cost panel lists, and how often AWS is asked."""

    scope = Enum(
        ["mine", "account"],
        default_value="mine",
        help="mine: resources tagged with this Studio user profile or its spaces "
        "(sagemaker:user-profile-arn / sagemaker:space-arn); account: every resource in the "
        "region.",
    ).tag(config=True)
    ttl_seconds = Float(
        60.0, help="How long a listing is reused, whatever the number of open tabs."
    ).tag(config=True)
    max_ttl_seconds = Float(
        1800.0,
        help="While nothing changes, the listing's TTL doubles after each refresh up to this; "
        "it falls back to ttl_seconds when something changes, a kernel runs code or the user "
        "acts. Equal to ttl_seconds: a fixed TTL.",
    ).tag(config=True)
    jitter = Float(
        0.2,
        help="Each refresh comes up to this share of the TTL late, at random, so that servers "
        "started together do not call AWS together (0: none).",
    ).tag(config=True)
    enabled = Bool(True, help="List running jobs, endpoints and apps at all.").tag(config=True)
    inventory_uri = Unicode(
        "",
        help="s3://BUCKET/PREFIX/ of the domain's shared inventory (`jupyter smcost deploy "
        "--inventory`): this user's rows are read from there, one S3 GetObject per refresh, "
        "instead of listing SageMaker; when the document is missing or older than twice its "
        "period, the listing is made here and the panel says why. Empty: list here.",
    ).tag(config=True)
    max_rows = Int(
        100,
        min=1,
        help="At most this many rows (the most expensive) in GET resources; the totals "
        "still cover every resource.",
    ).tag(config=True)

    @validate("ttl_seconds", "max_ttl_seconds")
    def _valid_ttl(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (math.isfinite(value) and value > 0):
            name = proposal["trait"].name
            raise TraitError(f"c.Resources.{name} must be a positive number, not {value!r}")
        return value

    @validate("inventory_uri")
    def _valid_inventory_uri(self, proposal: Any) -> str:
        value = str(proposal["value"]).strip()
        if value:
            try:
                parse_uri(value)
            except ValueError as err:
                raise TraitError(f"c.Resources.inventory_uri: {err}") from None
        return value

    @validate("jitter")
    def _valid_jitter(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (0 <= value <= 1):  # also rejects NaN
            raise TraitError(f"c.Resources.jitter must be in [0, 1], not {value!r}")
        return value


class Budget(TolerantConfig, LoggingConfigurable):
    """A monthly budget per user: spend so far this (UTC) month, its projection, and a tighter
    idle timeout while over it. The admin's policy file wins over config for both values; where
    a budget is set, a user profile's tag `jupyter-smcost:monthly-budget-usd` adjusts it for
    that user."""

    monthly_usd = Float(
        None,
        allow_none=True,
        help="The user's budget for a calendar month (UTC), in USD (None: no budget). Spend is "
        "what this extension priced: this app's session and the user's jobs, endpoints and "
        "apps it saw running (GET budget). A user profile's tag "
        "jupyter-smcost:monthly-budget-usd overrides it for that user (with no budget set, the "
        "tag is not read: no AWS call).",
    ).tag(config=True)
    over_budget_timeout_minutes = Float(
        None,
        allow_none=True,
        help="While the month's spend is at or over the budget, the idle timeout in force "
        "becomes at most this many minutes (never below the admin's floor, "
        "c.IdleShutdown.min_timeout_minutes); None leaves the timeout alone.",
    ).tag(config=True)
    cost_explorer = Bool(
        False,
        help="Where a budget applies, also show Cost Explorer's figure for the user's month "
        "(ce:GetCostAndUsage filtered by the cost allocation tag sagemaker:user-profile-arn, "
        "which must be activated in Billing). AWS bills each request; the app asks once a day "
        "and keeps the answer in cost-explorer.json in SMCost.state_dir. The figure lags by "
        "24-48 h.",
    ).tag(config=True)
    max_job_usd = Float(
        None,
        allow_none=True,
        help="The most one job may cost before it starts, in USD (None: no cap). In a kernel "
        "with jupyter_smcost.prelaunch loaded (the lifecycle script with --max-job-usd loads "
        "it in every kernel of the server's environment; else `%load_ext "
        "jupyter_smcost.prelaunch`), a training or processing job whose "
        "worst case (price x count x MaxRuntimeInSeconds) or an endpoint whose month (730 h) is "
        "above it starts only when the user confirms; so does one whose price is unknown, and "
        "a transform job (it has no max runtime).",
    ).tag(config=True)
    observe_seconds = Float(
        60.0,
        help="How often the budget's ledger (budget-ledger.json in SMCost.state_dir) counts "
        "what runs and is written (1-3600 s).",
    ).tag(config=True)
    tag_ttl_seconds = Float(
        3600.0,
        help="How long the user profile's budget tag, read with sagemaker:ListTags, is reused "
        "(60 s to 1 day).",
    ).tag(config=True)

    @validate("max_job_usd")
    def _valid_max_job(self, proposal: Any) -> float | None:
        if proposal["value"] is None:
            return None
        value = float(proposal["value"])
        if not (math.isfinite(value) and 0 <= value <= MAX_USD):
            raise TraitError(f"c.Budget.max_job_usd must be 0 to {MAX_USD:,.0f} USD, not {value!r}")
        return value

    @validate("monthly_usd")
    def _valid_monthly(self, proposal: Any) -> float | None:
        if proposal["value"] is None:
            return None
        value = float(proposal["value"])
        if not (math.isfinite(value) and 0 <= value <= MAX_USD):
            raise TraitError(f"c.Budget.monthly_usd must be 0 to {MAX_USD:,.0f} USD, not {value!r}")
        return value

    @validate("over_budget_timeout_minutes")
    def _valid_over_budget(self, proposal: Any) -> float | None:
        if proposal["value"] is None:
            return None
        value = float(proposal["value"])
        # 0 turns an idle timeout off: never what "tighter" means.
        if not (math.isfinite(value) and 0 < value <= MAX_MINUTES):
            raise TraitError(
                "c.Budget.over_budget_timeout_minutes must be above 0 and at most "
                f"{MAX_MINUTES:g} minutes, not {value!r}"
            )
        return value

    @validate("observe_seconds")
    def _valid_observe(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (1 <= value <= 3600):  # also rejects NaN
            raise TraitError(f"c.Budget.observe_seconds must be 1 to 3600 s, not {value!r}")
        return value

    @validate("tag_ttl_seconds")
    def _valid_tag_ttl(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (60 <= value <= 86400):
            raise TraitError(f"c.Budget.tag_ttl_seconds must be 60 to 86400 s, not {value!r}")
        return value
