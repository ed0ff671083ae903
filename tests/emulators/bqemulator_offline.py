"""Starts bqemulator offline.

bqemulator's DuckDB engine runs `INSTALL spatial` at start-up, which downloads an
extension and fails without network access; the warehouse adapter needs no GIS, so
the loader is replaced with a no-op. Arguments are bqemulator's (`start --rest-port …`).
"""

import sys

from bqemulator.storage import engine

engine.DuckDBEngine._load_spatial = lambda self: None

from bqemulator.cli import main  # noqa: E402  (after the patch, on purpose)

if __name__ == "__main__":
    sys.argv[0] = "bqemulator"
    sys.exit(main())
