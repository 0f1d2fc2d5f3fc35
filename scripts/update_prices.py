"""Regenerate the bundled snapshot from AWS's bulk offer file (see
`jupyter_smcost.admin.prices`; the admin command is `jupyter smcost prices update`)."""

from __future__ import annotations

import sys

from jupyter_smcost.admin.prices import (  # noqa: F401 - the tests load this file by path
    DEFAULT_FAMILIES,
    DEFAULT_REGIONS,
    OFFER_URL,
    build_snapshot,
    component_counts,
    main,
    read_offer,
    write_atomic,
)

if __name__ == "__main__":
    sys.exit(main())
