"""`jupyter smcost`: the admin command (installed as the `jupyter-smcost` console script).

Exit codes scripts can rely on: 0 done; 1 a failure while doing it (AWS, files); 2 the
command line or a value in it is wrong (nothing was done).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from .lcc import APP_TYPES, MAX_LCC_CHARS, Install, ScriptError, content_hash, lcc_script
from .policy import Policy, add_policy_flags, policy_from_args

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter smcost",
        description="Admin tools for jupyter-smcost: put SageMaker domains under an idle "
        "policy with lifecycle configurations.",
    )
    parser.add_argument("--version", action="version", version=f"jupyter-smcost {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    lcc = commands.add_parser(
        "lcc",
        help="lifecycle configuration scripts",
        description="Lifecycle configuration (LCC) scripts that install jupyter-smcost with "
        "your policy.",
    )
    lcc_commands = lcc.add_subparsers(dest="lcc_command", metavar="COMMAND", required=True)
    script = lcc_commands.add_parser(
        "script",
        help="print the LCC script for an app type",
        description="Print the lifecycle configuration script that installs jupyter-smcost "
        "into the environment that runs the Jupyter server and writes your policy as a "
        f"server config file of its own. The script stays under AWS's {MAX_LCC_CHARS:,}-"
        "character limit and is safe to run again.",
    )
    script.add_argument("--app-type", required=True, choices=APP_TYPES)
    add_policy_flags(script)
    source = script.add_argument_group("install (default: this version from PyPI, pinned)")
    source.add_argument("--pip-spec", metavar="SPEC", help="what pip installs")
    source.add_argument(
        "--wheel-uri",
        metavar="URI",
        help="a wheel in S3 (s3://...) or a path, for VPC-only domains",
    )
    source.add_argument("--sha256", metavar="HEX", help="the wheel's SHA-256 (with --wheel-uri)")
    source.add_argument("--pip-index-url", metavar="URL", help="a private package index")
    script.add_argument("--out", metavar="FILE", help="write the script here instead of stdout")
    script.add_argument("--format", choices=("text", "json"), default="text")
    script.set_defaults(run=_lcc_script)
    return parser


def _lcc_script(args: argparse.Namespace) -> int:
    policy: Policy = policy_from_args(args)
    install = Install(args.pip_spec, args.wheel_uri, args.sha256, args.pip_index_url)
    text = lcc_script(args.app_type, policy, install)
    if args.out:
        out = Path(args.out)
        try:
            out.write_text(text, encoding="utf-8")
            out.chmod(0o755)
        except OSError as err:
            print(f"jupyter smcost: cannot write {out}: {err.strerror or err}", file=sys.stderr)
            return EXIT_FAILED
    if args.format == "json":
        print(
            json.dumps(
                {
                    "app_type": args.app_type,
                    "characters": len(text),
                    "content_hash": content_hash(text),
                    "policy": policy.traits(),
                    "script": None if args.out else text,
                    "out": args.out,
                },
                indent=2,
            )
        )
    elif not args.out:
        sys.stdout.write(text)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)  # exits 2 on a bad command line
    try:
        code: int = args.run(args)
    except (ScriptError, ValueError) as err:
        print(f"jupyter smcost: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `jupyter smcost ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return code


if __name__ == "__main__":
    sys.exit(main())
