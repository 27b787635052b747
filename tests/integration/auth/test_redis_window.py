"""The sliding window shared through the real Redis at 127.0.0.1:6379."""

from __future__ import annotations

import time
import uuid

from dfras.auth.ratelimit import RedisWindow


def test_redis_window_limits_and_releases() -> None:
    w = RedisWindow("redis://127.0.0.1:6379/0", prefix=f"dfras-test:{uuid.uuid4().hex}:")
    decisions = [w.hit("user:1", 3, 1.0) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[2].remaining == 0 and 0 < decisions[3].retry_after <= 1.0
    assert w.hit("user:2", 3, 1.0).allowed  # keys are independent
    time.sleep(1.05)
    assert w.hit("user:1", 3, 1.0).allowed
    w.reset("user:1")
    assert w.peek("user:1", 3, 1.0).remaining == 3
