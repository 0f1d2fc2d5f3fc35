# The IPython startup file that `jupyter smcost lcc script --max-job-usd` writes, as it is, to
# <server environment>/etc/ipython/startup/ (admin/lcc.py). IPython runs every *.py there in
# each kernel, and each terminal IPython, whose sys.prefix is that environment, after the
# user's own ~/.ipython startup files and without touching anyone's config. It does what
# `%load_ext jupyter_smcost.prelaunch` does, so the admin's cap applies without it.
#
# IPython runs it in the user's namespace: comments rather than a docstring, no __future__
# import, and the one function deleted after its run, so it leaves no names behind. Imported
# as a module, it does nothing. A guardrail, not a security boundary: SMCOST_PRELAUNCH=off in
# a kernel's environment turns it off there.


def _load_jupyter_smcost_prelaunch() -> None:
    import os
    import sys

    def note(text: str) -> None:
        # The process's own stderr: the terminal, or for a kernel the Jupyter server's log.
        print(f"jupyter-smcost: {text}", file=sys.__stderr__ or sys.stderr, flush=True)

    if os.environ.get("SMCOST_PRELAUNCH", "").strip().lower() in ("off", "0", "false", "no"):
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:  # plain Python, not IPython
        return
    try:
        import jupyter_smcost.prelaunch  # noqa: F401
    except ImportError:
        # A kernel of this environment without the package must still start.
        note(f"no job-cost check in this kernel: jupyter_smcost is not installed in {sys.prefix}")
        return
    try:
        shell.extension_manager.load_extension("jupyter_smcost.prelaunch")
    except Exception as err:
        # IPython stops running the remaining startup files at the first one that raises.
        note(f"no job-cost check in this kernel: jupyter_smcost.prelaunch failed to load: {err}")


if __name__ == "__main__":
    try:
        _load_jupyter_smcost_prelaunch()
    finally:
        del _load_jupyter_smcost_prelaunch
