"""The documents that are contracts agree with the code: docs/configuration.md with the traits,
docs/openapi.json with the routes and with what a real server answers (every field it sends
is documented, every field documented as required is sent, with its type)."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from jupyter_smcost.app import SMCost
from tests.support.api import SMCostAPI
from tests.support.demo import settled
from tests.support.paths import REPO

ROOT = REPO
OPENAPI = json.loads((ROOT / "docs" / "openapi.json").read_text())
METHODS = ("get", "put", "post", "delete")


def _config_docs() -> Any:
    spec = importlib.util.spec_from_file_location("config_docs", ROOT / "scripts/config_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_configuration_page_is_generated_from_the_traits() -> None:
    docs = _config_docs()
    assert docs.undocumented() == [], "every config trait needs its help"
    assert (ROOT / "docs/configuration.md").read_text() == docs.render(), (
        "docs/configuration.md is stale: run python scripts/config_docs.py"
    )


def test_the_configuration_page_names_every_trait_the_readme_era_table_did() -> None:
    page = (ROOT / "docs/configuration.md").read_text()
    for name in ("c.IdleShutdown.timeout_minutes", "c.Resources.scope", "c.SMCost.state_dir"):
        assert f"### `{name}`" in page


def _route_pattern(path: str) -> str:
    """An OpenAPI path as the regex the server routes it with ({x} is one path segment)."""
    return re.sub(r"\{[^}]+\}", "([A-Za-z0-9_.-]{1,128})", path)


def test_openapi_paths_and_methods_are_the_servers_routes() -> None:
    served = {}
    for route, handler in SMCost().handlers:
        path = route.split("jupyter-smcost", 1)[1]
        served[path] = {
            m for m in METHODS if m.upper() in handler.SUPPORTED_METHODS and _own(handler, m)
        }
    documented = {
        _route_pattern(path): {m for m in item if m in METHODS}
        for path, item in OPENAPI["paths"].items()
    }
    assert documented == served


def _own(handler: type, method: str) -> bool:
    """Whether the handler itself answers this method (not tornado's default 405)."""
    from tornado.web import RequestHandler

    return getattr(handler, method) is not getattr(RequestHandler, method)


def _strict(schema: Any) -> Any:
    """The schema with no undocumented field allowed: every object that lists its properties
    and says nothing of others gets additionalProperties false."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


STRICT = _strict(copy.deepcopy(OPENAPI["components"]))


def check(path: str, method: str, code: int, body: Any) -> None:
    """The answer is what docs/openapi.json says `method path` answers with `code`."""
    response = OPENAPI["paths"][path][method]["responses"][str(code)]
    ref = response["content"]["application/json"]["schema"]["$ref"]
    validator = Draft202012Validator({"$ref": ref, "components": STRICT})
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{method.upper()} {path} {code}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]
    )


def test_the_strict_check_can_fail() -> None:
    with pytest.raises(AssertionError, match="not_in_the_docs"):
        check("/save-ack", "post", 200, {"accepted": True, "not_in_the_docs": 1})
    with pytest.raises(AssertionError, match="required"):
        check("/actions", "post", 200, {"ok": True})


async def test_a_real_server_answers_what_openapi_documents(
    demo: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
) -> None:
    """The savings demo in a Studio space: every route, its success and its usual errors, and
    the problems a refused permission brings to resources and suggestions."""
    demo["emulator"].inject_fault("ListTransformJobs")
    demo["emulator"].inject_fault("GetSavingsPlansPurchaseRecommendation")
    doc = await settled(smcost_api, smcost_started)
    assert doc["problems"], doc
    await smcost_started.budget.tick()  # the listing's rows, observed for the budget
    for route in ("status", "cost", "resources", "budget", "suggestions", "config"):
        code, body = await smcost_api.call(route)
        check(f"/{route}", "get", code, body)
    check("/config", "put", *await smcost_api.call("config", "PUT", {"timeout_minutes": 30}))
    check("/config", "put", *await smcost_api.call("config", "PUT", {"timeout_minutes": "x"}))
    check("/activity", "post", *await smcost_api.call("activity", "POST", {"source": "docs"}))
    check("/activity", "post", *await smcost_api.call("activity", "POST"))
    ack = {"request_id": "none", "client_id": "c", "saved": [], "failed": []}
    check("/save-ack", "post", *await smcost_api.call("save-ack", "POST", ack))

    dismiss = "/suggestions/{suggestion_id}/dismiss"
    route = f"suggestions/{doc['suggestions'][0]['id']}/dismiss"
    check(dismiss, "post", *await smcost_api.call(route, "POST", {"days": 1}))
    check(dismiss, "delete", *await smcost_api.call(route, "DELETE"))
    check(dismiss, "post", *await smcost_api.call(route, "POST", {"days": -1}))

    endpoint = next(
        s for s in doc["suggestions"] if any(a["id"] == "delete-endpoint" for a in s["actions"])
    )
    run = {"suggestion_id": endpoint["id"], "action_id": "delete-endpoint", "confirm": True}
    check("/actions", "post", *await smcost_api.call("actions", "POST", run))
    missing = {"suggestion_id": "no-such", "action_id": "delete-app", "confirm": True}
    check("/actions", "post", *await smcost_api.call("actions", "POST", missing))
    check("/actions", "post", *await smcost_api.call("actions", "POST", {"confirm": False}))

    # Every documented resource kind and action the demo has is in the answers checked above.
    resources = (await smcost_api.call("resources"))[1]
    assert {"training-job", "processing-job", "endpoint", "studio-app"} <= {
        r["kind"] for r in resources["resources"]
    }
    assert [p["action"] for p in resources["problems"]] == ["sagemaker:ListTransformJobs"]

    # Once AWS throttles a call, both documents say so (null above), as documented too.
    smcost_started.pace.throttled_now("ListApps")
    for route in ("resources", "suggestions"):
        code, body = await smcost_api.call(route)
        assert body["aws_busy"] is not None, body
        check(f"/{route}", "get", code, body)


@pytest.fixture
def history_file(smcost_config: dict[str, Any]) -> None:
    """A warning, a postponement and a shutdown, left before the server starts."""
    state = Path(smcost_config["SMCost"]["state_dir"])
    state.mkdir(parents=True, exist_ok=True)
    at = "2026-11-26T19:42:00+00:00"
    entries = [
        {"id": 1, "at": at, "kind": "warning", "idle_seconds": 3300},
        {"id": 2, "at": at, "kind": "postponed", "unsaved": [{"path": "a", "error": "ro"}]},
        {"id": 3, "at": at, "kind": "shutdown", "rate_usd_per_hour": 1.4, "saved": ["b"]},
    ]
    document = {"version": 1, "notice_id": None, "entries": entries}
    (state / "history.json").write_text(json.dumps(document))


async def test_the_history_routes_answer_what_openapi_documents(
    history_file: None, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    code, body = await smcost_api.call("history")
    assert body["notice"]["avoided_usd"] is not None, body  # the start filled it in
    check("/history", "get", code, body)
    check("/history/seen", "post", *await smcost_api.call("history/seen", "POST", {"id": 9}))
    check("/history/seen", "post", *await smcost_api.call("history/seen", "POST"))
    check("/history/seen", "post", *await smcost_api.call("history/seen", "POST", {"id": "x"}))
    code, body = await smcost_api.call("history")
    assert body["notice"] is None
    check("/history", "get", code, body)


def _section(text: str, heading: str) -> str:
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_layout_names_what_the_tree_has() -> None:
    """Each path in the README's layout block exists (an indented one inside the folder
    above it), and each top-level folder of the repository that holds code is in it."""
    block = _section((ROOT / "README.md").read_text(), "## Layout").split("```")[1]
    named: list[str] = []
    folder = ""
    for line in block.splitlines()[1:]:
        column = line[:27]
        if column.strip() and not column.startswith(" "):
            folder = column.split()[0] if column.split()[0].endswith("/") else ""
            named += column.split()
        elif column.strip():
            named += [folder + name for name in column.split()]
    missing = [p for p in named if not (ROOT / p).exists()]
    assert missing == [], missing
    code_dirs = {"jupyter_smcost", "src", "schema", "style", "packages", "deploy", "docs"}
    assert code_dirs <= {p.split("/")[0] for p in named}


#: Named in the layout, outside the two packages walked.
ALSO_NAMED = {
    "jupyter_smcost/",
    "src/",
    "tests/",
    "builders.py",
    "_figures.py",
    "__tests__/",
    "openapi.spec.ts",
}


def test_contributing_describes_every_module_of_the_package_and_the_emulator() -> None:
    """The design-level layout in CONTRIBUTING.md names every module and folder of the
    server package, the emulator and the frontend, and nothing that is not there."""
    layout = _section((ROOT / "CONTRIBUTING.md").read_text(), "## Layout")
    mentioned = set(re.findall(r"`(?:src/(?:\w+/)?)?([A-Za-z_][\w.]*(?:\.py|\.ts|/))`", layout))
    wings = ["jupyter_smcost", "packages/smcost-emulator/smcost_emulator", "src"]
    present: set[str] = set()
    for base in wings:
        for path in (ROOT / base).iterdir():
            if path.name.startswith(("_", ".")) or path.name in {"labextension", "__pycache__"}:
                continue
            if path.name.endswith(".d.ts"):
                continue
            if path.is_dir():
                present.add(path.name + "/")
                modules = [*path.glob("*.py"), *path.glob("*.ts")]
                present.update(p.name for p in modules if not p.name.startswith("__"))
                present.update(
                    d.name + "/" for d in path.iterdir() if d.is_dir() and d.name != "__pycache__"
                )
            elif path.suffix in (".py", ".ts"):
                present.add(path.name)
    assert sorted(present - mentioned) == [], f"not described: {sorted(present - mentioned)}"
    ghosts = sorted(mentioned - present - ALSO_NAMED)
    assert ghosts == [], f"named but not in the tree: {ghosts}"


def test_the_tests_the_docs_name_exist_and_each_test_folder_is_described() -> None:
    """Every `tests/...` path the docs (and the code's messages) name exists, and the layout
    in CONTRIBUTING.md describes each folder of `tests/`."""
    texts = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")]
    texts += list((ROOT / "jupyter_smcost").rglob("*.py"))
    pattern = re.compile(r"(?<![\w/.-])tests/[\w/.-]*[\w/]")
    named = {m for path in texts for m in pattern.findall(path.read_text())}
    assert any(p.startswith("tests/admin/") for p in named)  # the scan finds them
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == [], f"named but not in the tree: {missing}"
    layout = _section((ROOT / "CONTRIBUTING.md").read_text(), "## Layout")
    folders = {
        f"tests/{d.name}/"
        for d in (ROOT / "tests").iterdir()
        if d.is_dir() and not d.name.startswith(("_", "."))
    }
    assert sorted(f for f in folders if f"`{f}`" not in layout) == []
