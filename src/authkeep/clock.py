"""One place for time, so tests and code agree on epoch milliseconds."""

import time


def now_ms() -> int:
    return int(time.time() * 1000)


def now_s() -> int:
    return int(time.time())
