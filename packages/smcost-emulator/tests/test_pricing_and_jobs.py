"""The emulator's cost side, through boto3 over HTTP: the Price List service (real-format
products, filters, pagination, trap rows the parser rejects), the running resources the
server lists (jobs that stay InProgress, endpoints, apps, spaces, notebook instances,
Studio tags), `set_state`, the demo seed's resources, faults and the call log."""

from __future__ import annotations

import json
import time
import urllib.error
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from jupyter_smcost.cost.pricing.components import (
    COMPONENTS,
    HOURS_PER_MONTH,
    check_component_values,
    component_key_of,
)
from jupyter_smcost.cost.pricing.model import PriceKey
from jupyter_smcost.cost.pricing.pricelist import (
    build_filters,
    fetch_price,
    matches,
    parse_price_list_item,
)
from smcost_emulator import (
    DEMO_NOTE,
    EMULATED_ACTIONS,
    Emulator,
    EmulatorClient,
    add_price,
    call_log,
    clear_call_log,
    inject_fault,
    remove_price,
    set_delay,
    set_price_page_size,
    set_state,
)
from smcost_emulator.pricing.models import demo_storage_usd_per_gb_month, demo_usd_per_hour

ROLE = "arn:aws:iam::123456789012:role/r"
ACCOUNT = "123456789012"
SEEDED_PRICES = [
    # (kind, name, component key, instance type, count) as the demo seed creates them
    ("studio-app", "demo-space-2/CodeEditor/default", "studio-codeeditor", "ml.t3.medium", 1),
    ("training-job", "demo-finetune-spot", "training", "ml.g5.2xlarge", 1),
    ("training-job", "demo-resnet-train", "training", "ml.p3.2xlarge", 1),
    ("processing-job", "demo-features-processing", "processing", "ml.m5.xlarge", 1),
    ("endpoint", "demo-endpoint", "hosting", "ml.m5.xlarge", 2),
    ("training-job", "other-user-xgboost", "training", "ml.m5.large", 2),
]


@pytest.fixture
def pricing(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A Price List client that finds the emulator through AWS_ENDPOINT_URL_PRICING."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", emulator.endpoint_url)
    return boto3.client("pricing", region_name="us-east-1")


@pytest.fixture
def demo(emulator: Emulator) -> dict[str, Any]:
    return emulator.seed_demo(resources=True)


def sm_client(**config: Any) -> Any:
    return boto3.client("sagemaker", config=Config(**config) if config else None)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def ago(when: datetime) -> float:
    return (datetime.now(timezone.utc) - when).total_seconds()


def products(page: dict[str, Any]) -> list[dict[str, Any]]:
    assert all(isinstance(item, str) for item in page["PriceList"])
    return [json.loads(item) for item in page["PriceList"]]


def instance_filters(region: str, instance: str, component: str | None = None) -> list[Any]:
    found = [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
        {"Type": "TERM_MATCH", "Field": "instanceName", "Value": instance},
    ]
    if component:
        found.append({"Type": "TERM_MATCH", "Field": "component", "Value": component})
    return found


def dimension(doc: dict[str, Any]) -> dict[str, Any]:
    """The one on-demand price dimension of a product document."""
    [term] = doc["terms"]["OnDemand"].values()
    [dim] = term["priceDimensions"].values()
    return dict(dim)


def all_pages(client: Any, **kwargs: Any) -> list[list[dict[str, Any]]]:
    pages, token = [], None
    while True:
        page = client.get_products(**kwargs, **({"NextToken": token} if token else {}))
        pages.append(products(page))
        token = page.get("NextToken")
        if not token:
            return pages


# --------------------------------------------------------------------------- Price List


def test_get_products_answers_in_the_real_format(pricing: Any) -> None:
    page = pricing.get_products(
        ServiceCode="AmazonSageMaker",
        Filters=instance_filters("us-east-1", "ml.g5.xlarge", "studio-jupyterlab"),
        FormatVersion="aws_v1",
        MaxResults=100,
    )
    assert page["FormatVersion"] == "aws_v1"
    assert "NextToken" not in page
    found = products(page)
    # The real row and its three trap rows (fee, $0, another unit).
    assert len(found) == 4
    for doc in found:
        assert set(doc) == {"product", "serviceCode", "terms", "version", "publicationDate"}
        assert doc["serviceCode"] == "AmazonSageMaker"
        product = doc["product"]
        assert product["productFamily"] == "ML Instance"
        attrs = product["attributes"]
        assert attrs["regionCode"] == "us-east-1"
        assert attrs["location"] == "US East (N. Virginia)"
        assert attrs["instanceName"] == "ml.g5.xlarge"
        assert attrs["servicecode"] == "AmazonSageMaker"
        assert attrs["platoinstancetype"] == "Studio-JupyterLab"
        assert component_key_of(attrs) == "studio-jupyterlab"
        sku = product["sku"]
        [(term_code, term)] = doc["terms"]["OnDemand"].items()
        assert term_code == f"{sku}.JRTCKXETXF"
        assert term["offerTermCode"] == "JRTCKXETXF" and term["sku"] == sku
        [(rate_code, dim)] = term["priceDimensions"].items()
        assert rate_code == dim["rateCode"] == f"{sku}.JRTCKXETXF.6YS6EN2CT7"
        assert dim["beginRange"] == "0" and dim["endRange"] == "Inf"
        assert dim["appliesTo"] == []
        assert len(dim["pricePerUnit"]["USD"].split(".")[1]) == 10
    by_unit_price = {
        (dim["unit"], dim["pricePerUnit"]["USD"]): dim["description"]
        for dim in map(dimension, found)
    }
    assert ("Hrs", "1.4080000000") in by_unit_price
    assert DEMO_NOTE in by_unit_price[("Hrs", "1.4080000000")]
    assert ("Hrs", "0.0000000000") in by_unit_price
    assert any(unit == "GB-Mo" for unit, _ in by_unit_price)
    assert any("fee" in text for text in by_unit_price.values())


def test_the_parser_keeps_the_real_row_and_rejects_every_trap(pricing: Any) -> None:
    page = pricing.get_products(
        ServiceCode="AmazonSageMaker",
        Filters=instance_filters("us-east-1", "ml.p3.2xlarge", "Training"),
    )
    key = PriceKey("us-east-1", "ml.p3.2xlarge", "training")
    accepted = []
    for item in page["PriceList"]:
        attrs, rates = parse_price_list_item(item)
        assert matches(attrs, key)  # every row is about the key ...
        accepted.extend(rates)
    # ... but only the hourly, non-fee, non-zero one is a rate.
    assert [r.usd_per_hour for r in accepted] == [
        demo_usd_per_hour("us-east-1", "training", "ml.p3.2xlarge")
    ]
    usages = sorted(json.loads(i)["product"]["attributes"]["usagetype"] for i in page["PriceList"])
    assert usages == [
        "USE1-Training-Fee:ml.p3.2xlarge",
        "USE1-Training-FreeTier:ml.p3.2xlarge",
        "USE1-Training-Vol:ml.p3.2xlarge",
        "USE1-Training:ml.p3.2xlarge",
    ]


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_fetch_price_finds_each_seeded_key(pricing: Any, region: str) -> None:
    keys = {(component, instance) for _, _, component, instance, _ in SEEDED_PRICES}
    keys |= {("studio-jupyterlab", "ml.g5.xlarge")}
    keys |= {
        (c, i) for c in ("studio-jupyterlab", "training") for i in ("ml.t3.medium", "ml.m5.large")
    }
    for component, instance in sorted(keys):
        price = fetch_price(pricing, PriceKey(region, instance, component))
        assert price is not None, (region, component, instance)
        assert price.usd_per_hour == demo_usd_per_hour(region, component, instance)
        assert price.source == "price-list-api"
    # Wrong component, wrong figure: the catalog gives every component its own price.
    assert demo_usd_per_hour(region, "training", "ml.m5.xlarge") != demo_usd_per_hour(
        region, "processing", "ml.m5.xlarge"
    )
    storage = fetch_price(pricing, PriceKey(region, "gp3", "studio-storage"))
    assert storage is not None
    assert storage.usd_per_hour == pytest.approx(
        demo_storage_usd_per_gb_month(region) / HOURS_PER_MONTH
    )


def test_prices_can_be_replaced_removed_and_restored(emulator: Emulator, pricing: Any) -> None:
    key = PriceKey("us-east-1", "ml.g5.2xlarge", "training")
    row = add_price("us-east-1", "training", "ml.g5.2xlarge", 2.5)
    assert row["usd"] == "2.5000000000" and row["component"] == "Training"
    assert fetch_price(pricing, key).usd_per_hour == 2.5  # type: ignore[union-attr]
    # A key the default catalog lacks, in another region.
    add_price("ap-south-1", "hosting", "ml.c5.large", 0.12)
    found = fetch_price(pricing, PriceKey("ap-south-1", "ml.c5.large", "hosting"))
    assert found is not None and found.usd_per_hour == 0.12
    # Without its real row only the trap rows answer: the price is unknown, never $0.
    assert remove_price("us-east-1", "training", "ml.g5.2xlarge")
    assert not remove_price("us-east-1", "training", "ml.g5.2xlarge")
    assert fetch_price(pricing, key) is None
    assert pricing.get_products(
        ServiceCode="AmazonSageMaker",
        Filters=instance_filters("us-east-1", "ml.g5.2xlarge", "Training"),
    )["PriceList"]
    with pytest.raises(ValueError):
        add_price("us-east-1", "training", "ml.g5.2xlarge", 0)
    emulator.reset()
    assert fetch_price(pricing, key).usd_per_hour == demo_usd_per_hour(  # type: ignore[union-attr]
        "us-east-1", "training", "ml.g5.2xlarge"
    )


def test_get_products_paginates(pricing: Any) -> None:
    query = {
        "ServiceCode": "AmazonSageMaker",
        "Filters": instance_filters("us-east-1", "ml.m5.xlarge"),
    }
    whole = all_pages(pricing, **query)
    assert len(whole) == 1
    skus = [d["product"]["sku"] for d in whole[0]]
    # Every component of the instance, each with its three trap rows.
    assert len(skus) == 4 * len(
        {c.price_list_value for c in COMPONENTS.values() if c.price_list_value}
    )

    by_five = all_pages(pricing, **query, MaxResults=5)
    assert [len(p) for p in by_five[:-1]] == [5] * (len(by_five) - 1)
    assert [d["product"]["sku"] for p in by_five for d in p] == skus

    set_price_page_size(3)  # the emulator's cap, below what the client asks
    capped = all_pages(pricing, **query, MaxResults=100)
    assert max(len(p) for p in capped) == 3
    assert [d["product"]["sku"] for p in capped for d in p] == skus
    paginator = pricing.get_paginator("get_products")
    assert sum(len(p["PriceList"]) for p in paginator.paginate(**query)) == len(skus)
    # fetch_price follows the tokens.
    price = fetch_price(pricing, PriceKey("us-east-1", "ml.m5.xlarge", "hosting"))
    assert price is not None
    assert price.usd_per_hour == demo_usd_per_hour("us-east-1", "hosting", "ml.m5.xlarge")

    first = pricing.get_products(**query)
    with pytest.raises(ClientError) as exc:
        pricing.get_products(**query, NextToken="not-a-token")
    assert error_of(exc) == ("InvalidNextTokenException", 400)
    with pytest.raises(ClientError) as exc:  # a token of another query
        pricing.get_products(
            ServiceCode="AmazonSageMaker",
            Filters=instance_filters("eu-west-1", "ml.m5.xlarge"),
            NextToken=first["NextToken"],
        )
    assert error_of(exc)[0] == "InvalidNextTokenException"
    unchecked = boto3.client(
        "pricing", region_name="us-east-1", config=Config(parameter_validation=False)
    )
    with pytest.raises(ClientError) as exc:
        unchecked.get_products(**query, MaxResults=101)
    assert error_of(exc)[0] == "InvalidParameterException"


def test_filter_types(pricing: Any) -> None:
    def skus(*filters: dict[str, str]) -> list[dict[str, Any]]:
        page = pricing.get_products(ServiceCode="AmazonSageMaker", Filters=list(filters))
        assert "NextToken" not in page
        return products(page)

    region = {"Type": "EQUALS", "Field": "regionCode", "Value": "eu-west-1"}
    fees = skus(region, {"Type": "CONTAINS", "Field": "usagetype", "Value": "-Fee"})
    assert fees and all("-Fee" in d["product"]["attributes"]["usagetype"] for d in fees)
    assert {d["product"]["attributes"]["regionCode"] for d in fees} == {"eu-west-1"}
    two = skus(
        region,
        {"Type": "ANY_OF", "Field": "instanceName", "Value": "ml.t3.medium, ml.m5.large"},
        {"Type": "TERM_MATCH", "Field": "component", "Value": "Training"},
    )
    assert sorted({d["product"]["attributes"]["instanceName"] for d in two}) == [
        "ml.m5.large",
        "ml.t3.medium",
    ]
    storage = skus(region, {"Type": "TERM_MATCH", "Field": "productFamily", "Value": "Storage"})
    assert {d["product"]["attributes"]["usagetype"] for d in storage} == {
        "EU-Studio:VolumeUsage.gp3"
    }
    assert {dimension(d)["unit"] for d in storage} == {"GB-Mo"}
    not_instances = skus(
        region, {"Type": "NONE_OF", "Field": "productFamily", "Value": "ML Instance"}
    )
    assert {d["product"]["productFamily"] for d in not_instances} == {"Storage"}
    assert skus({"Type": "TERM_MATCH", "Field": "instanceName", "Value": "ml.nope"}) == []
    # build_filters, as the server sends them, matches something for every instance type.
    for key in (
        PriceKey("eu-west-1", "ml.t3.medium", "studio-codeeditor"),
        PriceKey("eu-west-1", "gp3", "studio-storage"),
    ):
        assert skus(*build_filters(key))
    unchecked = boto3.client(
        "pricing", region_name="us-east-1", config=Config(parameter_validation=False)
    )
    with pytest.raises(ClientError) as exc:
        unchecked.get_products(
            ServiceCode="AmazonSageMaker",
            Filters=[{"Type": "FUZZY", "Field": "regionCode", "Value": "us-east-1"}],
        )
    assert error_of(exc) == ("InvalidParameterException", 400)
    with pytest.raises(ClientError) as exc:
        pricing.get_products(ServiceCode="AmazonSageMaker", FormatVersion="aws_v2")
    assert error_of(exc)[0] == "InvalidParameterException"


def test_get_attribute_values_and_describe_services(pricing: Any) -> None:
    values = [
        v["Value"]
        for v in pricing.get_attribute_values(
            ServiceCode="AmazonSageMaker", AttributeName="component"
        )["AttributeValues"]
    ]
    assert values == sorted(values)
    assert {c.price_list_value for c in COMPONENTS.values() if c.price_list_value} == set(values)
    assert all(check_component_values(pricing).values())

    set_price_page_size(2)
    paginator = pricing.get_paginator("get_attribute_values")
    pages = list(paginator.paginate(ServiceCode="AmazonSageMaker", AttributeName="component"))
    assert len(pages) > 1 and [v["Value"] for p in pages for v in p["AttributeValues"]] == values
    regions = pricing.get_attribute_values(
        ServiceCode="AmazonSageMaker", AttributeName="regionCode"
    )
    assert [v["Value"] for v in regions["AttributeValues"]] == ["eu-west-1", "us-east-1"]

    [service] = pricing.describe_services(ServiceCode="AmazonSageMaker")["Services"]
    assert service["ServiceCode"] == "AmazonSageMaker"
    assert {"regionCode", "instanceName", "component", "platoinstancetype", "usagetype"} <= set(
        service["AttributeNames"]
    )
    assert pricing.describe_services(ServiceCode="AmazonEC2")["Services"] == []
    with pytest.raises(ClientError) as exc:
        pricing.get_attribute_values(ServiceCode="AmazonEC2", AttributeName="component")
    assert error_of(exc)[0] == "NotFoundException"


def test_pricing_calls_are_logged_faulted_and_delayed(emulator: Emulator, pricing: Any) -> None:
    query = {
        "ServiceCode": "AmazonSageMaker",
        "Filters": instance_filters("us-east-1", "ml.t3.medium"),
    }
    clear_call_log()
    fetch_price(pricing, PriceKey("us-east-1", "ml.t3.medium", "training"))
    fetch_price(pricing, PriceKey("us-east-1", "ml.t3.medium", "hosting"))
    sm_client().list_training_jobs()
    log = call_log()
    assert [(c.service, c.action) for c in log] == [
        ("pricing", "GetProducts"),
        ("pricing", "GetProducts"),
        ("sagemaker", "ListTrainingJobs"),
    ]
    assert log[0].params["ServiceCode"] == "AmazonSageMaker"
    assert sum(c.action == "GetProducts" for c in log) == 2
    http_log = EmulatorClient(emulator.endpoint_url).call_log()
    assert [c["service"] for c in http_log] == ["pricing", "pricing", "sagemaker"]

    inject_fault("GetProducts", "AccessDeniedException", "no pricing:GetProducts", times=1)
    with pytest.raises(ClientError) as exc:
        pricing.get_products(**query)
    assert error_of(exc) == ("AccessDeniedException", 400)
    assert "pricing:GetProducts" in str(exc.value)
    pricing.get_products(**query)

    inject_fault("*", times=1)  # "*" is every SageMaker action: the Price List is spared
    pricing.get_products(**query)
    with pytest.raises(ClientError):
        sm_client().list_training_jobs()
    inject_fault("pricing:*", "ThrottlingException", "Rate exceeded", times=1)
    no_retry = boto3.client(
        "pricing",
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as exc:
        no_retry.get_attribute_values(ServiceCode="AmazonSageMaker", AttributeName="component")
    assert error_of(exc) == ("ThrottlingException", 400)

    set_delay(0.4, ["GetProducts"])
    started = time.monotonic()
    pricing.get_products(**query)
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    sm_client().list_training_jobs()
    assert time.monotonic() - started < 0.4


def test_pricing_client_with_explicit_endpoint_url(emulator: Emulator) -> None:
    client = boto3.client("pricing", region_name="us-east-1", endpoint_url=emulator.endpoint_url)
    assert (
        fetch_price(client, PriceKey("us-east-1", "ml.g5.xlarge", "studio-jupyterlab")) is not None
    )
    assert emulator.client("pricing").describe_services()["Services"]


# --------------------------------------------------------------------------- demo resources


def test_seed_returns_the_resources_it_created(demo: dict[str, Any]) -> None:
    assert [
        (r["kind"], r["name"], r["component"], r["instance_type"], r["instance_count"])
        for r in demo["resources"]
    ] == SEEDED_PRICES
    rows = {(r["kind"], r["name"]): r for r in demo["resources"]}
    spot = rows[("training-job", "demo-finetune-spot")]
    assert spot["spot"] is True and spot["billable_seconds"] == 840
    assert spot["started_seconds_ago"] == 40 * 60
    assert rows[("training-job", "demo-resnet-train")]["spot"] is False
    assert rows[("training-job", "demo-resnet-train")]["billable_seconds"] is None
    assert rows[("training-job", "other-user-xgboost")]["user_profile_name"] == "other-user"
    for row in demo["resources"]:
        assert row["arn"].startswith(f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:")
        assert abs(ago(datetime.fromisoformat(row["started_at"])) - row["started_seconds_ago"]) < 10
    # The keys seed_demo returned before are all still there.
    assert demo["metadata"]["ResourceName"] == "default" and demo["domain_id"] == "d-demo"


def test_every_seeded_resource_has_a_catalog_price(demo: dict[str, Any], pricing: Any) -> None:
    for row in demo["resources"]:
        price = fetch_price(pricing, PriceKey("us-east-1", row["instance_type"], row["component"]))
        assert price is not None, row
    assert fetch_price(pricing, PriceKey("us-east-1", demo["instance_type"], "studio-jupyterlab"))


def test_in_progress_training_jobs(demo: dict[str, Any]) -> None:
    sm = sm_client()
    listed = sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]
    assert [j["TrainingJobName"] for j in listed] == [
        "demo-finetune-spot",
        "demo-resnet-train",
        "other-user-xgboost",
    ]
    assert {j["TrainingJobStatus"] for j in listed} == {"InProgress"}
    assert sm.list_training_jobs(StatusEquals="Completed")["TrainingJobSummaries"] == []
    names, token, pages = [], None, 0
    while True:
        page = sm.list_training_jobs(
            StatusEquals="InProgress", MaxResults=1, **({"NextToken": token} if token else {})
        )
        pages += 1
        names += [j["TrainingJobName"] for j in page["TrainingJobSummaries"]]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3 and names == [j["TrainingJobName"] for j in listed]
    assert (
        len(
            list(
                sm.get_paginator("list_training_jobs").paginate(
                    StatusEquals="InProgress", PaginationConfig={"PageSize": 2}
                )
            )
        )
        == 2
    )

    spot = sm.describe_training_job(TrainingJobName="demo-finetune-spot")
    assert spot["TrainingJobStatus"] == "InProgress"
    assert spot["SecondaryStatus"] == "Training"
    assert spot["ResourceConfig"] == {
        "InstanceType": "ml.g5.2xlarge",
        "InstanceCount": 1,
        "VolumeSizeInGB": 50,
    }
    assert spot["EnableManagedSpotTraining"] is True
    assert spot["BillableTimeInSeconds"] == 840
    assert spot["StoppingCondition"] == {"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 10800}
    assert abs(ago(spot["TrainingStartTime"]) - 40 * 60) < 10
    assert spot["CreationTime"] < spot["TrainingStartTime"]
    assert "TuningJobArn" not in spot and "TrainingEndTime" not in spot
    assert "TrainingTimeInSeconds" not in spot

    on_demand = sm.describe_training_job(TrainingJobName="demo-resnet-train")
    assert on_demand["ResourceConfig"]["InstanceType"] == "ml.p3.2xlarge"
    assert on_demand["EnableManagedSpotTraining"] is False
    assert "BillableTimeInSeconds" not in on_demand
    assert on_demand["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}
    assert abs(ago(on_demand["TrainingStartTime"]) - 25 * 60) < 10

    other = sm.describe_training_job(TrainingJobName="other-user-xgboost")
    assert other["ResourceConfig"]["InstanceCount"] == 2
    assert other["ResourceConfig"]["InstanceType"] == "ml.m5.large"


def test_processing_job_endpoint_apps_and_spaces(demo: dict[str, Any]) -> None:
    sm = sm_client()
    [summary] = sm.list_processing_jobs(StatusEquals="InProgress")["ProcessingJobSummaries"]
    described = sm.describe_processing_job(ProcessingJobName=summary["ProcessingJobName"])
    assert described["ProcessingJobStatus"] == "InProgress"
    assert described["ProcessingResources"]["ClusterConfig"] == {
        "InstanceCount": 1,
        "InstanceType": "ml.m5.xlarge",
        "VolumeSizeInGB": 30,
    }
    assert described["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert abs(ago(described["ProcessingStartTime"]) - 15 * 60) < 10
    assert "ProcessingEndTime" not in described

    [endpoint] = sm.list_endpoints(StatusEquals="InService")["Endpoints"]
    assert endpoint["EndpointName"] == "demo-endpoint"
    described = sm.describe_endpoint(EndpointName="demo-endpoint")
    assert described["EndpointConfigName"] == "demo-endpoint-config"
    assert [
        (v["VariantName"], v["CurrentInstanceCount"]) for v in described["ProductionVariants"]
    ] == [("AllTraffic", 2)]
    assert abs(ago(described["CreationTime"]) - 2 * 3600) < 10
    config = sm.describe_endpoint_config(EndpointConfigName="demo-endpoint-config")
    [variant] = config["ProductionVariants"]
    assert (variant["InstanceType"], variant["InitialInstanceCount"]) == ("ml.m5.xlarge", 2)
    assert sm.list_endpoints(StatusEquals="Creating")["Endpoints"] == []

    apps = {a["AppType"]: a for a in sm.list_apps(DomainIdEquals="d-demo")["Apps"]}
    assert set(apps) == {"JupyterLab", "CodeEditor"}
    idle = apps["CodeEditor"]
    assert idle["SpaceName"] == "demo-space-2" and idle["Status"] == "InService"
    assert idle["ResourceSpec"]["InstanceType"] == "ml.t3.medium"
    assert abs(ago(idle["CreationTime"]) - 3 * 3600) < 10
    described = sm.describe_app(
        DomainId="d-demo", SpaceName="demo-space-2", AppType="CodeEditor", AppName="default"
    )
    assert abs(ago(described["LastUserActivityTimestamp"]) - (3 * 3600 - 600)) < 10

    spaces = sm.list_spaces(DomainIdEquals="d-demo")["Spaces"]
    owners = {s["SpaceName"]: s["OwnershipSettingsSummary"]["OwnerUserProfileName"] for s in spaces}
    assert owners == {
        "demo-space": "demo-user",
        "demo-space-2": "demo-user",
        "other-space": "other-user",
    }
    assert {s["SpaceSharingSettingsSummary"]["SharingType"] for s in spaces} == {"Private"}


def test_studio_tags_on_jobs_and_endpoints(demo: dict[str, Any]) -> None:
    sm = sm_client()
    prefix = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}"
    for row in demo["resources"]:
        if row["kind"] == "studio-app":
            continue
        tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=row["arn"])["Tags"]}
        user, space = row["user_profile_name"], row["space_name"]
        assert tags["sagemaker:user-profile-arn"] == f"{prefix}:user-profile/d-demo/{user}"
        assert tags["sagemaker:space-arn"] == f"{prefix}:space/d-demo/{space}"
        assert tags["sagemaker:domain-arn"] == f"{prefix}:domain/d-demo"
    assert demo["user_profile_arn"] == f"{prefix}:user-profile/d-demo/demo-user"
    assert demo["space_arn"] == f"{prefix}:space/d-demo/demo-space"

    # Studio resources are taggable too (moto answers 500 for ARNs with several slashes).
    sm.add_tags(ResourceArn=demo["space_arn"], Tags=[{"Key": "team", "Value": "ml"}])
    assert sm.list_tags(ResourceArn=demo["space_arn"])["Tags"] == [{"Key": "team", "Value": "ml"}]
    assert sm.list_tags(ResourceArn=demo["app_arn"])["Tags"] == []
    job = demo["resources"][1]["arn"]
    sm.add_tags(ResourceArn=job, Tags=[{"Key": "project", "Value": "other"}])
    assert {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=job)["Tags"]}[
        "project"
    ] == "other"
    sm.delete_tags(ResourceArn=job, TagKeys=["project"])
    assert "project" not in {t["Key"] for t in sm.list_tags(ResourceArn=job)["Tags"]}
    for missing in (f"{prefix}:training-job/nope", f"{prefix}:app/d-demo/x/jupyterlab/y"):
        with pytest.raises(ClientError) as exc:
            sm.list_tags(ResourceArn=missing)
        assert error_of(exc) == ("ValidationException", 400)


def test_access_denied_on_list_training_jobs(demo: dict[str, Any]) -> None:
    sm = sm_client()
    inject_fault(
        "ListTrainingJobs", "AccessDeniedException", "not authorized: sagemaker:ListTrainingJobs"
    )
    with pytest.raises(ClientError) as exc:
        sm.list_training_jobs(StatusEquals="InProgress")
    assert error_of(exc) == ("AccessDeniedException", 400)
    assert exc.value.operation_name == "ListTrainingJobs"
    # Other calls are unaffected, and the failed call is logged.
    assert sm.list_endpoints(StatusEquals="InService")["Endpoints"]
    assert [c.action for c in call_log()][-2:] == ["ListTrainingJobs", "ListEndpoints"]


def test_seed_without_resources_on_request(emulator: Emulator) -> None:
    seeded = emulator.seed_demo(resources=False)
    assert seeded["resources"] == []
    sm = sm_client()
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []
    assert len(sm.list_apps()["Apps"]) == 1


def test_seed_through_the_control_route_in_another_region(emulator: Emulator, pricing: Any) -> None:
    seeded = EmulatorClient(emulator.endpoint_url).seed_demo(region="eu-west-1", resources=True)
    assert {r["arn"].split(":")[3] for r in seeded["resources"]} == {"eu-west-1"}
    sm = boto3.client("sagemaker", region_name="eu-west-1")
    assert len(sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]) == 3
    spot = sm.describe_training_job(TrainingJobName="demo-finetune-spot")
    assert spot["BillableTimeInSeconds"] == 840
    for row in seeded["resources"]:
        assert fetch_price(pricing, PriceKey("eu-west-1", row["instance_type"], row["component"]))


# --------------------------------------------------------------------------- job lifecycle


def create_training(sm: Any, name: str, **extra: Any) -> str:
    params: dict[str, Any] = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    params.update(extra)
    return str(sm.create_training_job(**params)["TrainingJobArn"])


def test_training_job_lifecycle_and_set_state(emulator: Emulator) -> None:
    sm = sm_client()
    emulator.set_delete_delay(0.2)
    arn = create_training(sm, "t1", Tags=[{"Key": "k", "Value": "v"}])
    assert arn == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/t1"
    fresh = sm.describe_training_job(TrainingJobName="t1")
    assert fresh["TrainingJobStatus"] == "InProgress" and fresh["SecondaryStatus"] == "Starting"
    assert "TrainingStartTime" not in fresh and "BillableTimeInSeconds" not in fresh

    # Over HTTP, as a test in another process would: started 40 min ago, billed 14 min.
    control = EmulatorClient(emulator.endpoint_url)
    state = control.set_state("training-job", "t1", started_seconds_ago=2400, billable_seconds=840)
    assert state["status"] == "InProgress" and state["arn"] == arn
    described = sm.describe_training_job(TrainingJobName="t1")
    assert abs(ago(described["TrainingStartTime"]) - 2400) < 5
    assert described["BillableTimeInSeconds"] == 840 and described["SecondaryStatus"] == "Training"
    control.set_state("training-job", "t1", billable_seconds=None)
    assert "BillableTimeInSeconds" not in sm.describe_training_job(TrainingJobName="t1")
    started = datetime.now(timezone.utc) - timedelta(minutes=10)
    set_state("training-job", "t1", started_at=started, billable_seconds=300)
    assert (
        abs(
            (
                sm.describe_training_job(TrainingJobName="t1")["TrainingStartTime"] - started
            ).total_seconds()
        )
        < 1
    )

    sm.stop_training_job(TrainingJobName="t1")
    stopping = sm.describe_training_job(TrainingJobName="t1")
    assert stopping["TrainingJobStatus"] == "Stopping" and stopping["SecondaryStatus"] == "Stopping"
    assert sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"] == []
    with pytest.raises(ClientError) as exc:
        sm.stop_training_job(TrainingJobName="t1")
    assert error_of(exc)[0] == "ValidationException"
    time.sleep(0.3)
    stopped = sm.describe_training_job(TrainingJobName="t1")
    assert stopped["TrainingJobStatus"] == "Stopped"
    assert stopped["BillableTimeInSeconds"] == 300
    assert abs(stopped["TrainingTimeInSeconds"] - 600) < 5
    assert "TrainingEndTime" in stopped

    create_training(sm, "t2")
    set_state("training-job", "t2", started_seconds_ago=60, status="Completed")
    done = sm.describe_training_job(TrainingJobName="t2")
    assert done["TrainingJobStatus"] == "Completed"
    assert done["BillableTimeInSeconds"] == done["TrainingTimeInSeconds"] >= 59
    assert done["ModelArtifacts"]["S3ModelArtifacts"] == "s3://bucket/out/t2/output/model.tar.gz"
    assert [
        j["TrainingJobName"]
        for j in sm.list_training_jobs(StatusEquals="Completed")["TrainingJobSummaries"]
    ] == ["t2"]


def test_job_errors_are_real(emulator: Emulator) -> None:
    sm = sm_client()
    create_training(sm, "dup")
    with pytest.raises(ClientError) as exc:
        create_training(sm, "dup")
    assert error_of(exc) == ("ResourceInUse", 400)
    with pytest.raises(ClientError) as exc:
        sm.describe_training_job(TrainingJobName="nope")
    assert error_of(exc) == ("ValidationException", 400)
    with pytest.raises(ClientError) as exc:  # spot needs MaxWaitTimeInSeconds
        create_training(sm, "spot", EnableManagedSpotTraining=True)
    assert error_of(exc)[0] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        sm.describe_processing_job(ProcessingJobName="nope")
    assert error_of(exc)[0] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="nope")
    assert error_of(exc)[0] == "ResourceNotFound"
    with pytest.raises(ClientError) as exc:
        sm.list_training_jobs(NextToken="garbage")
    assert error_of(exc)[0] == "ValidationException"
    unchecked = sm_client(parameter_validation=False)
    with pytest.raises(ClientError) as exc:
        unchecked.list_training_jobs(StatusEquals="Running")
    assert error_of(exc)[0] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        unchecked.create_processing_job(
            ProcessingJobName="p", AppSpecification={"ImageUri": "i"}, RoleArn=ROLE
        )
    assert error_of(exc)[0] == "ValidationException" and "processingResources" in str(exc.value)

    with pytest.raises(LookupError):
        set_state("training-job", "nope")
    with pytest.raises(ValueError):
        set_state("training-job", "dup", status="Running")
    with pytest.raises(ValueError):
        set_state("processing-job", "dup", billable_seconds=3)
    control = EmulatorClient(emulator.endpoint_url)
    for body, code in (
        ({"kind": "training-job", "name": "nope"}, 404),
        ({"kind": "rocket", "name": "dup"}, 400),
        ({"name": "dup"}, 400),
    ):
        with pytest.raises(urllib.error.HTTPError) as http_error:
            control._call("POST", "state", body)
        assert http_error.value.code == code


def test_tuning_job_runs_trials(emulator: Emulator) -> None:
    sm = sm_client()
    emulator.set_delete_delay(0.1)
    definition = {
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "ResourceConfig": {
            "InstanceType": "ml.g5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 30,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "StaticHyperParameters": {"epochs": "3"},
    }
    arn = sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="hpo",
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
        },
        TrainingJobDefinition=definition,
        Tags=[{"Key": "sagemaker:user-profile-arn", "Value": "u"}],
    )["HyperParameterTuningJobArn"]
    [summary] = sm.list_hyper_parameter_tuning_jobs(StatusEquals="InProgress")[
        "HyperParameterTuningJobSummaries"
    ]
    assert summary["TrainingJobStatusCounters"]["InProgress"] == 2
    assert summary["ResourceLimits"]["MaxNumberOfTrainingJobs"] == 4
    described = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo")
    assert described["HyperParameterTuningJobStatus"] == "InProgress"
    assert described["TrainingJobDefinition"]["ResourceConfig"]["InstanceType"] == "ml.g5.xlarge"
    assert (
        described["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] == 2
    )
    assert "HyperParameterTuningEndTime" not in described

    trials = sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]
    assert len(trials) == 2 and all(t["TrainingJobName"].startswith("hpo-00") for t in trials)
    trial = sm.describe_training_job(TrainingJobName=trials[0]["TrainingJobName"])
    assert trial["TuningJobArn"] == arn
    assert trial["HyperParameters"] == {"epochs": "3"}
    assert sm.list_tags(ResourceArn=trial["TrainingJobArn"])["Tags"] == [
        {"Key": "sagemaker:user-profile-arn", "Value": "u"}
    ]

    set_state("tuning-job", "hpo", trials_in_progress=1, started_seconds_ago=600)
    counters = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo")[
        "TrainingJobStatusCounters"
    ]
    assert (counters["InProgress"], counters["Completed"]) == (1, 1)
    set_state("tuning-job", "hpo", trials_in_progress=3)
    with pytest.raises(ValueError):  # 4 trials at most
        set_state("tuning-job", "hpo", trials_in_progress=4)
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo")
    assert (
        sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo")[
            "HyperParameterTuningJobStatus"
        ]
        == "Stopping"
    )
    time.sleep(0.2)
    stopped = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo")
    assert stopped["HyperParameterTuningJobStatus"] == "Stopped"
    assert stopped["TrainingJobStatusCounters"]["InProgress"] == 0
    assert sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"] == []


def test_transform_job_and_serverless_endpoint(emulator: Emulator) -> None:
    sm = sm_client()
    job = {
        "TransformJobName": "x1",
        "ModelName": "m1",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/i"}}
        },
        "TransformOutput": {"S3OutputPath": "s3://b/o"},
        "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2},
    }
    with pytest.raises(ClientError) as exc:  # the model must exist, as on AWS
        sm.create_transform_job(**job)
    assert error_of(exc)[0] == "ValidationException"
    sm.create_model(ModelName="m1", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    sm.create_transform_job(**job)
    [summary] = sm.list_transform_jobs(StatusEquals="InProgress")["TransformJobSummaries"]
    assert summary["TransformJobName"] == "x1"
    set_state("transform-job", "x1", started_seconds_ago=300)
    described = sm.describe_transform_job(TransformJobName="x1")
    assert described["TransformResources"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2}
    assert abs(ago(described["TransformStartTime"]) - 300) < 5
    sm.stop_transform_job(TransformJobName="x1")
    assert sm.describe_transform_job(TransformJobName="x1")["TransformJobStatus"] == "Stopping"

    sm.create_endpoint_config(
        EndpointConfigName="sl",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "m1",
                "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
            }
        ],
    )
    sm.create_endpoint(EndpointName="sl", EndpointConfigName="sl")
    [variant] = sm.describe_endpoint_config(EndpointConfigName="sl")["ProductionVariants"]
    assert "InstanceType" not in variant and variant["ServerlessConfig"]["MaxConcurrency"] == 5
    [live] = sm.describe_endpoint(EndpointName="sl")["ProductionVariants"]
    assert (
        "CurrentInstanceCount" not in live
        and live["CurrentServerlessConfig"]["MemorySizeInMB"] == 2048
    )
    set_state("endpoint", "sl", status="Updating")
    assert sm.list_endpoints(StatusEquals="InService")["Endpoints"] == []


def test_notebook_instances(emulator: Emulator) -> None:
    sm = sm_client()
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    set_state("notebook-instance", "nb", started_seconds_ago=3600)
    [listed] = sm.list_notebook_instances(StatusEquals="InService")["NotebookInstances"]
    assert listed["InstanceType"] == "ml.t3.medium"
    assert abs(ago(listed["LastModifiedTime"]) - 3600) < 5
    set_state("notebook-instance", "nb", status="Stopped")
    assert sm.list_notebook_instances(StatusEquals="InService")["NotebookInstances"] == []


def test_every_emulated_action_is_served(emulator: Emulator) -> None:
    from smcost_emulator.sagemaker_studio.responses import StudioResponse

    def snake(name: str) -> str:
        return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")

    assert all(callable(getattr(StudioResponse, snake(a), None)) for a in EMULATED_ACTIONS)
    # moto's own reset route forgets the jobs too.
    create_training(sm_client(), "gone")
    import urllib.request

    urllib.request.urlopen(
        urllib.request.Request(f"{emulator.endpoint_url}/moto-api/reset", method="POST")
    ).close()
    assert sm_client().list_training_jobs()["TrainingJobSummaries"] == []


def test_price_control_routes(emulator: Emulator, pricing: Any) -> None:
    control = EmulatorClient(emulator.endpoint_url)
    rows = control.prices()
    real = [r for r in rows if DEMO_NOTE in r["description"]]
    assert real and all(float(r["usd"]) > 0 for r in real)
    # One $0 trap row next to each real row (instances and the volume).
    assert sum(r["usd"] == "0.0000000000" for r in rows) == len(real)
    row = control.add_price("us-east-1", "Training", "ml.trn1.2xlarge", 1.34)
    assert row["usd"] == "1.3400000000"
    assert (
        fetch_price(pricing, PriceKey("us-east-1", "ml.trn1.2xlarge", "training")).usd_per_hour
        == 1.34
    )  # type: ignore[union-attr]
    storage = control._call(
        "POST",
        "prices",
        {
            "region": "us-east-1",
            "component": "studio-storage",
            "instance_type": "gp3",
            "usd_per_gb_month": 0.2,
        },
    )
    assert storage["product"]["unit"] == "GB-Mo"
    assert fetch_price(
        pricing, PriceKey("us-east-1", "gp3", "studio-storage")
    ).usd_per_hour == pytest.approx(0.2 / 730)  # type: ignore[union-attr]
    assert control.remove_price("us-east-1", "training", "ml.trn1.2xlarge")
    control.set_price_page_size(1)
    page = pricing.get_products(
        ServiceCode="AmazonSageMaker", Filters=instance_filters("us-east-1", "ml.t3.medium")
    )
    assert len(page["PriceList"]) == 1 and page["NextToken"]
    control.set_price_page_size(None)
    with pytest.raises(urllib.error.HTTPError) as http_error:
        control._call("POST", "price-page-size", {"size": 0})
    assert http_error.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as http_error:
        control._call("POST", "prices", {"region": "us-east-1"})
    assert http_error.value.code == 400


def test_cli_prints_the_seeded_resources(tmp_path: Path, emulator_cli: Any) -> None:
    metadata_path = tmp_path / "resource-metadata.json"
    with emulator_cli("--seed-demo", "--metadata-out", str(metadata_path)) as cli:
        deadline = time.monotonic() + 30
        while not metadata_path.exists():
            assert time.monotonic() < deadline and cli.proc.poll() is None, cli.output()
            time.sleep(0.1)
        endpoint = cli.endpoint()
        client = cli.client("pricing")
        assert fetch_price(client, PriceKey("us-east-1", "ml.p3.2xlarge", "training")) is not None
    output = cli.output()
    assert f"export AWS_ENDPOINT_URL_PRICING={endpoint}" in output
    assert (
        "seeded training-job demo-finetune-spot (1 x ml.g5.2xlarge, training, managed spot, "
        "started 40 min ago, billed 840 s, user demo-user)" in output
    )
    for _, name, _, _, _ in SEEDED_PRICES:
        assert f" {name} (" in output


def test_many_training_jobs_at_once_through_the_control_route(emulator: Emulator) -> None:
    tags = [{"Key": "sagemaker:user-profile-arn", "Value": "arn:x"}]
    created = EmulatorClient(emulator.endpoint_url).seed_training_jobs(
        150, prefix="load", spot=2, tags=tags, started_seconds_ago=3600
    )
    assert created == 150
    sm = emulator.client()
    pages = list(
        sm.get_paginator("list_training_jobs").paginate(StatusEquals="InProgress", MaxResults=100)
    )
    assert [len(p["TrainingJobSummaries"]) for p in pages] == [100, 50]
    first = sm.describe_training_job(TrainingJobName="load-00000")
    assert first["EnableManagedSpotTraining"] is True
    assert (
        sm.describe_training_job(TrainingJobName="load-00002")["EnableManagedSpotTraining"] is False
    )
    started = first["TrainingStartTime"]
    assert abs((datetime.now(timezone.utc) - started).total_seconds() - 3600) < 60
    assert sm.list_tags(ResourceArn=first["TrainingJobArn"])["Tags"] == tags


def test_models_and_endpoints_leave_out_what_the_request_left_out(emulator: Emulator) -> None:
    """AWS sends no VpcConfig or DataCaptureConfig when none was given; moto sent `{}`, which
    the SageMaker Python SDK's shapes refuse (a VpcConfig needs its subnets)."""
    sm = emulator.client()
    sm.create_model(
        ModelName="m",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
        PrimaryContainer={"Image": "1.dkr.ecr/x:1"},
    )
    variant = {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.xlarge"}
    sm.create_endpoint_config(
        EndpointConfigName="c", ProductionVariants=[{**variant, "InitialInstanceCount": 1}]
    )
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c")
    described = [
        sm.describe_model(ModelName="m"),
        sm.describe_endpoint_config(EndpointConfigName="c"),
        sm.describe_endpoint(EndpointName="e"),
    ]
    for answer in described:
        assert {} not in answer.values(), answer
        assert "VpcConfig" not in answer and "DataCaptureConfig" not in answer, answer
    assert described[0]["PrimaryContainer"] == {"Image": "1.dkr.ecr/x:1"}
    subnets = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    sm.create_model(
        ModelName="in-vpc", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
        PrimaryContainer={"Image": "1.dkr.ecr/x:1"}, VpcConfig=subnets,
    )  # fmt: skip
    assert sm.describe_model(ModelName="in-vpc")["VpcConfig"] == subnets
