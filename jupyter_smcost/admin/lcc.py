"""Lifecycle configuration scripts that install jupyter-smcost with an admin's policy.

`lcc_script` renders one bash script per app type. It runs under `set -euo pipefail`, is
idempotent (pip skips what is installed; files are replaced atomically), verifies a wheel's
SHA-256, installs into the Python environment that runs the Jupyter server (never a
kernel's), writes the admin's policy to the file the extension reads itself, with a job cap
makes that environment's IPython kernels load `jupyter_smcost.prelaunch`, and logs every
step with a `jupyter-smcost-lcc:` prefix on standard output, which SageMaker sends to CloudWatch.

Every absolute path in the script is under `$SMCOST_LCC_ROOT` (empty in production), so the
tests run it for real in a sandbox that stands in for the app's file system.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from .limits import check_text, inventory_uri
from .policy import Policy
from .policy_file import POLICY_FILENAME, policy_document

#: AWS's limit on a lifecycle configuration's content, in characters.
MAX_LCC_CHARS = 16_384

#: The Python that runs the Jupyter server, per app type (what AWS's images ship).
SERVER_PYTHON = {
    # SageMaker Distribution: the server runs from the base environment.
    "JupyterLab": "/opt/conda/bin/python",
    # Studio Classic: the JupyterServer app runs from the `studio` environment.
    "JupyterServer": "/opt/conda/envs/studio/bin/python",
    # Notebook instances: Jupyter runs from JupyterSystemEnv, owned by ec2-user.
    "notebook-instance": "/home/ec2-user/anaconda3/envs/JupyterSystemEnv/bin/python",
}
APP_TYPES = (*SERVER_PYTHON, "CodeEditor")
#: The admin's policy, in the server environment's `share/jupyter_smcost/`, which the
#: extension reads itself (`c.SMCost.policy_path`'s default); the price snapshot beside it.
POLICY_FILE = POLICY_FILENAME
PRICES_FILE = "admin-prices.json"
#: What earlier versions wrote as traitlets config (jupyter_server never applied it).
LEGACY_CONFIG_FILES = ("zz_jupyter_smcost_policy.json", "zz_jupyter_smcost_prices.json")
_SHA256 = re.compile(r"[0-9a-f]{64}")

#: With a job cap, `prelaunch/kernel_startup.py` goes, as it is, into this file of our own in
#: the server environment's `etc/ipython/startup/`, which IPython reads in every kernel whose
#: `sys.prefix` is that environment (IPython's ENV_CONFIG_DIRS): nobody's config is touched,
#: and the app's next start without this script has no such file (only the home persists).
KERNEL_STARTUP_DIR = "etc/ipython/startup"
KERNEL_STARTUP_FILE = "50-jupyter-smcost-prelaunch.py"
KERNEL_STARTUP_SOURCE = Path(__file__).parent.parent / "prelaunch" / "kernel_startup.py"
#: Where user kernels run, per app type: where the server's environment is theirs too, the
#: startup file reaches them; the log line says which (or why not).
KERNELS_REACHED = {
    "JupyterLab": "every kernel of $ENV_PREFIX (SageMaker Distribution's Python 3)",
    "notebook-instance": "kernels of $ENV_PREFIX only: the conda_* kernels' environments "
    "lack jupyter_smcost",
}
KERNELS_NOT_REACHED = {
    "JupyterServer": "Studio Classic runs them in KernelGateway apps, outside this environment",
}


class ScriptError(ValueError):
    """Flags that cannot make a script, in words."""


@dataclass(frozen=True)
class Install:
    """Where the package comes from."""

    pip_spec: str | None = None
    wheel_uri: str | None = None
    sha256: str | None = None
    pip_index_url: str | None = None

    def check(self) -> None:
        for name, value in (
            ("--pip-spec", self.pip_spec),
            ("--wheel-uri", self.wheel_uri),
            ("--sha256", self.sha256),
            ("--pip-index-url", self.pip_index_url),
        ):
            _one_line(value, name)
        if self.pip_spec is not None and (not self.pip_spec.strip() or self.pip_spec[0] == "-"):
            # pip would read it as an option (-r FILE, --index-url=...), not a requirement.
            raise ScriptError(
                f"--pip-spec must name what to install (a requirement such as "
                f"'jupyter_smcost==1.2.3'), not a pip option: {self.pip_spec!r}"
            )
        if self.wheel_uri is not None and self.wheel_uri.startswith("-"):
            raise ScriptError(f"--wheel-uri must be s3://... or a path, not {self.wheel_uri!r}")
        if self.wheel_uri and self.pip_spec:
            raise ScriptError("give either --pip-spec or --wheel-uri, not both")
        if self.wheel_uri:
            if not self.sha256:
                raise ScriptError("--wheel-uri needs --sha256 (the wheel's SHA-256)")
            if not _SHA256.fullmatch(self.sha256):
                raise ScriptError("--sha256 must be 64 lowercase hex digits")
            if not self.wheel_uri.endswith(".whl"):
                raise ScriptError("--wheel-uri must name a .whl file")
        elif self.sha256:
            raise ScriptError("--sha256 only applies to --wheel-uri")

    @property
    def spec(self) -> str:
        return self.pip_spec or f"jupyter_smcost=={__version__}"


#: Where the lifecycle script may fetch the admin's price snapshot from.
PRICES_SCHEMES = ("s3://", "https://")


def _one_line(value: str | None, name: str) -> None:
    try:
        check_text(value, name)
    except ValueError as err:
        raise ScriptError(str(err)) from None


def check_prices_uri(uri: str | None) -> None:
    _one_line(uri, "--prices-uri")
    if uri is not None and not (
        uri.startswith(PRICES_SCHEMES) and len(uri) > len(uri.split("//", 1)[0]) + 2
    ):
        raise ScriptError(
            f"--prices-uri must be an s3:// or https:// address of the snapshot, not {uri!r}"
        )


def check_inventory_uri(uri: str | None) -> None:
    """The shared inventory's address goes into the policy file, which the extension reads
    (c.Resources.inventory_uri): s3://BUCKET/PREFIX/ only."""
    if uri is not None:
        try:
            inventory_uri(uri)
        except ValueError as err:
            raise ScriptError(str(err)) from None


def _q(value: str | None) -> str:
    return shlex.quote(value or "")


def policy_config(policy: Policy) -> str:
    """The policy file's text (see admin/policy_file.py); the price snapshot, if any, is
    the file beside it."""
    document = policy_document(policy, PRICES_FILE if policy.prices_uri else None)
    return json.dumps(document, indent=2, sort_keys=True)


def content_hash(script: str) -> str:
    """A short, stable name for a script's content (LCC names carry it)."""
    return hashlib.sha256(script.encode("utf-8")).hexdigest()[:10]


def kernel_loader(app_type: str, policy: Policy) -> str:
    """The script's lines that make kernels load the job cap, or remove our startup file when
    there is no cap (a run with a changed policy); run after the policy file is written."""
    lines = [f'STARTUP_FILE="$ENV_PREFIX/{KERNEL_STARTUP_DIR}/{KERNEL_STARTUP_FILE}"']
    if policy.max_job_usd is None or app_type not in KERNELS_REACHED:
        lines.append('rm -f "$STARTUP_FILE"')
        if policy.max_job_usd is not None:
            why = KERNELS_NOT_REACHED[app_type]
            lines.append(f"log {_q('the job cap is not loaded in kernels: ' + why)}")
        return "\n".join(lines)
    source = KERNEL_STARTUP_SOURCE.read_text(encoding="utf-8").rstrip("\n")
    lines += [
        "# The admin's job cap in every kernel of this environment, as %load_ext would: a",
        "# startup file of our own that IPython runs after the user's; their config is theirs.",
        'mkdir -p "$(dirname "$STARTUP_FILE")"',
        "cat > \"$WORK/startup.py\" <<'SMCOST_STARTUP'",
        source,
        "SMCOST_STARTUP",
        'chmod 644 "$WORK/startup.py"',
        'mv -f "$WORK/startup.py" "$STARTUP_FILE"',
        f'log "the job cap loads in {KERNELS_REACHED[app_type]}: $STARTUP_FILE"',
    ]
    return "\n".join(lines)


def lcc_script(app_type: str, policy: Policy, install: Install) -> str:
    """The bash script for `app_type`; raises ScriptError for what cannot be done."""
    if app_type == "CodeEditor":
        raise ScriptError(
            "Code Editor runs no Jupyter server, so there is no extension to install: use "
            "`jupyter smcost lcc install --app-type CodeEditor`, which sets Studio's own idle "
            "settings (CodeEditorAppSettings.AppLifecycleManagement) from the policy"
        )
    if app_type not in SERVER_PYTHON:
        raise ScriptError(f"unknown app type {app_type!r}; use one of {', '.join(APP_TYPES)}")
    install.check()
    check_prices_uri(policy.prices_uri)
    check_inventory_uri(policy.inventory_uri)
    body = _TEMPLATE.format(
        version=__version__,
        app_type=app_type,
        app_type_q=_q(app_type),
        server_python=SERVER_PYTHON[app_type],
        pip_spec=_q(install.spec),
        wheel_uri=_q(install.wheel_uri),
        sha256=_q(install.sha256),
        index_url=_q(install.pip_index_url),
        prices_uri=_q(policy.prices_uri),
        policy_file=POLICY_FILE,
        prices_file=PRICES_FILE,
        legacy_files=" ".join(LEGACY_CONFIG_FILES),
        policy_json=policy_config(policy),
        kernel_loader=kernel_loader(app_type, policy),
    )
    script = f"#!/bin/bash\n# jupyter-smcost {__version__} lifecycle configuration ({app_type}).\n"
    script += f"# Content {content_hash(body)}; generated by `jupyter smcost lcc script`.\n"
    script += body
    if len(script) > MAX_LCC_CHARS:
        raise ScriptError(
            f"the script is {len(script)} characters, over AWS's limit of {MAX_LCC_CHARS}"
        )
    return script


# Doubled braces are literal braces for str.format.
_TEMPLATE = r"""# Safe to run again: pip skips what is installed and every file is replaced whole.
set -euo pipefail

ROOT="${{SMCOST_LCC_ROOT:-}}"  # empty in production; a sandbox in the tests
APP_TYPE={app_type_q}
PIP_SPEC={pip_spec}
WHEEL_URI={wheel_uri}
WHEEL_SHA256={sha256}
PIP_INDEX_URL={index_url}
PRICES_URI={prices_uri}
SERVER_PYTHON="${{SMCOST_SERVER_PYTHON:-$ROOT{server_python}}}"

log() {{ printf 'jupyter-smcost-lcc: %s\n' "$*"; }}
fail() {{ log "ERROR: $*" >&2; exit 1; }}
fetch() {{
  case "$1" in
    s3://*)
      command -v aws >/dev/null || fail "the aws command is needed to fetch $1"
      aws s3 cp --quiet "$1" "$2" ;;
    https://*)
      command -v curl >/dev/null || fail "the curl command is needed to fetch $1"
      curl --fail --silent --show-error --location --proto =https -o "$2" "$1" ;;
    *) cp -- "$1" "$2" ;;
  esac
}}

log "jupyter-smcost {version} for $APP_TYPE"
[ -x "$SERVER_PYTHON" ] || fail "no Python at $SERVER_PYTHON (the Jupyter server's environment)"
ENV_PREFIX=$(dirname "$(dirname "$SERVER_PYTHON")")
# The environment's owner installs into it (notebook instances run this script as root).
AS_OWNER=()
if [ "$(id -u)" = 0 ]; then
  owner=$(stat -c %U "$ENV_PREFIX")
  if [ "$owner" != root ] && command -v sudo >/dev/null; then AS_OWNER=(sudo -u "$owner"); fi
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -n "$WHEEL_URI" ]; then
  wheel="$WORK/$(basename "$WHEEL_URI")"
  log "fetching $WHEEL_URI"
  fetch "$WHEEL_URI" "$wheel"
  echo "$WHEEL_SHA256  $wheel" | sha256sum --check --status - \
    || fail "the SHA-256 of $WHEEL_URI is not $WHEEL_SHA256; nothing was installed"
  # The owner's pip reads the verified wheel: mktemp's directory is root's alone (0700).
  # Readable, never writable, by others: nobody but root can swap the checked file.
  if [ ${{#AS_OWNER[@]}} -gt 0 ]; then chmod a+rX "$WORK" "$wheel"; fi
  log "checksum verified; installing into $ENV_PREFIX (no index: VPC-only domains)"
  "${{AS_OWNER[@]}}" "$SERVER_PYTHON" -m pip install --quiet --no-index --no-deps "$wheel"
else
  PIP_ARGS=(install --quiet)
  if [ -n "$PIP_INDEX_URL" ]; then PIP_ARGS+=(--index-url "$PIP_INDEX_URL"); fi
  log "installing $PIP_SPEC into $ENV_PREFIX"
  # `--`: the spec is a requirement, never an option (checked when generated, too).
  "${{AS_OWNER[@]}}" "$SERVER_PYTHON" -m pip "${{PIP_ARGS[@]}}" -- "$PIP_SPEC"
fi
"$SERVER_PYTHON" -c "import jupyter_smcost" \
  || fail "jupyter_smcost does not import in $ENV_PREFIX (missing dependencies?)"

# The admin's policy, in the file the extension reads itself: its values win over any
# traitlets config, a user's ~/.jupyter included. The price snapshot goes beside it.
POLICY_DIR="$ENV_PREFIX/share/jupyter_smcost"
mkdir -p "$POLICY_DIR"
if [ -n "$PRICES_URI" ]; then
  fetch "$PRICES_URI" "$WORK/prices.json"
  mv -f "$WORK/prices.json" "$POLICY_DIR/{prices_file}"
  log "admin price snapshot from $PRICES_URI at $POLICY_DIR/{prices_file}"
else
  rm -f "$POLICY_DIR/{prices_file}"
fi
cat > "$WORK/policy.json" <<'SMCOST_POLICY'
{policy_json}
SMCOST_POLICY
chmod 644 "$WORK/policy.json"
mv -f "$WORK/policy.json" "$POLICY_DIR/{policy_file}"
log "policy written to $POLICY_DIR/{policy_file}"
# Earlier versions wrote the policy as server config, which jupyter_server never applied.
for legacy in {legacy_files}; do
  rm -f "$ENV_PREFIX/etc/jupyter/jupyter_server_config.d/$legacy"
done
{kernel_loader}

case "$APP_TYPE" in
  JupyterServer)
    # Studio Classic: the server is already running; this is the supported way to restart it.
    command -v restart-jupyter-server >/dev/null || fail "restart-jupyter-server not found"
    log "restarting the Jupyter server"
    restart-jupyter-server ;;
  notebook-instance)
    if command -v systemctl >/dev/null && systemctl is-active --quiet jupyter-server; then
      log "restarting the Jupyter server"
      systemctl restart jupyter-server
    fi ;;
  *) log "the Jupyter server starts after this script and loads the extension" ;;
esac
log "done"
"""
