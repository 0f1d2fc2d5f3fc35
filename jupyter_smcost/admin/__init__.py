"""Admin tooling: `jupyter smcost ...` (lifecycle configurations and, as they land, price
snapshots, the domain audit, the fleet check and IAM policies)."""
