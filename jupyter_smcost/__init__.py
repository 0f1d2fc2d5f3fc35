"""jupyter-smcost: idle shutdown and cost awareness for SageMaker Studio."""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__
except ImportError:  # a source checkout that was never built
    __version__ = "0.0.0.dev0"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-smcost"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    # Imported lazily so that `import jupyter_smcost` stays cheap.
    from .app import SMCost

    return [{"module": "jupyter_smcost", "app": SMCost}]
