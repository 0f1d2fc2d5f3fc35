"""A JSON disk cache of AWS list prices (before any discount) and of recent misses.

File format: `{"version": 1, "prices": {key: {"usd_per_hour", "as_of", "detail", "stored_at"}},
"misses": {key: {"reason", "expires_at"}}}` with keys from `PriceKey.as_str()`. Prices expire
`ttl_seconds` after they were stored (checked on read, so a changed TTL applies at once);
misses carry their own expiry. Writes are atomic (`statefiles.write_json`: a temporary file in
the same directory moved into place), so readers never see half a file. A file that cannot be
read (junk, a FIFO, a symlink, too large) is set aside with a log line and replaced by the next
write. An entry that is not a finite,
positive price, or that claims to have been stored in the future (a clock set back, or a
hand-edited file), is discarded rather than trusted. All methods are thread-safe.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...statefiles import MISSING, NotRegularFile, read_json, set_aside, write_json
from .model import Price, PriceKey

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 7 * 24 * 3600
_VERSION = 1
#: A few hundred prices take well under a megabyte; a larger file is not ours.
MAX_BYTES = 16 << 20


@dataclass(frozen=True)
class Miss:
    """A remembered failed or empty Price List answer."""

    reason: str
    expires_at: float


class PriceCache:
    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`path=None` keeps the cache in memory only."""
        self.path = Path(path) if path is not None else None
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._lock = threading.RLock()
        self._prices: dict[str, dict[str, Any]] | None = None
        self._misses: dict[str, dict[str, Any]] = {}

    def _load(self) -> None:
        if self._prices is not None:
            return
        self._prices, self._misses = {}, {}
        if self.path is None:
            return
        data, why = read_json(self.path, MAX_BYTES)
        if why == MISSING:
            return
        if why is not None:
            set_aside(self.path, why, log, "price cache")
            return
        try:
            if not isinstance(data, dict) or data.get("version") != _VERSION:
                raise ValueError("not a version 1 price cache")
            prices = data.get("prices", {})
            misses = data.get("misses", {})
            if not isinstance(prices, dict) or not isinstance(misses, dict):
                raise ValueError("malformed price cache")
        except ValueError as err:
            log.warning("ignoring unreadable price cache %s: %s", self.path, err)
            return
        self._prices = {k: v for k, v in prices.items() if isinstance(v, dict)}
        self._misses = {k: v for k, v in misses.items() if isinstance(v, dict)}

    def _save(self) -> None:
        if self.path is None:
            return
        data = {"version": _VERSION, "prices": self._prices, "misses": self._misses}
        write_json(self.path, data, MAX_BYTES, indent=1, sort_keys=True)

    def _save_logged(self) -> None:
        try:
            self._save()
        except NotRegularFile as err:
            # Appeared since it was read: out of the way; the next save writes afresh.
            assert self.path is not None
            set_aside(self.path, str(err.strerror), log, "price cache")
        except (OSError, ValueError) as err:
            log.warning("could not write price cache %s: %s", self.path, err)

    def get(self, key: PriceKey) -> Price | None:
        """The cached list price for `key` if fresh, with source "cache"."""
        with self._lock:
            self._load()
            assert self._prices is not None
            entry = self._prices.get(key.as_str())
            if entry is None:
                return None
            try:
                stored_at = float(entry["stored_at"])
                # Price() refuses a value that is not finite and positive.
                price = Price(
                    float(entry["usd_per_hour"]),
                    "cache",
                    str(entry["as_of"]),
                    f"cached {entry['detail']}",
                )
            except (KeyError, TypeError, ValueError, OverflowError) as err:
                log.warning("discarding cached price %s: %s", key.as_str(), err)
                self._prices.pop(key.as_str(), None)
                return None
            now = self.clock()
            if not math.isfinite(stored_at) or stored_at > now:
                log.warning("discarding cached price %s: stored in the future", key.as_str())
                self._prices.pop(key.as_str(), None)
                return None
            return price if now - stored_at < self.ttl_seconds else None

    def put(self, key: PriceKey, price: Price) -> None:
        """Remember a list price (as found, before any discount); clears a miss for `key`."""
        with self._lock:
            self._load()
            assert self._prices is not None
            self._prices[key.as_str()] = {
                "usd_per_hour": price.usd_per_hour,
                "as_of": price.as_of,
                "detail": price.detail,
                "stored_at": self.clock(),
            }
            self._misses.pop(key.as_str(), None)
            self._save_logged()

    def get_miss(self, key: PriceKey) -> Miss | None:
        """A remembered miss for `key` that has not expired yet."""
        with self._lock:
            self._load()
            entry = self._misses.get(key.as_str())
            if entry is None:
                return None
            try:
                miss = Miss(str(entry["reason"]), float(entry["expires_at"]))
            except (KeyError, TypeError, ValueError, OverflowError):
                return None
            if not math.isfinite(miss.expires_at):
                return None
            return miss if self.clock() < miss.expires_at else None

    def put_miss(self, key: PriceKey, reason: str, ttl_seconds: float) -> None:
        with self._lock:
            self._load()
            self._misses[key.as_str()] = {
                "reason": reason,
                "expires_at": self.clock() + ttl_seconds,
            }
            self._save_logged()
