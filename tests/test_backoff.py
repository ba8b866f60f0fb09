"""One backoff rule for every retry: camera reconnects, LPR workers, the web UI child, lpr_url streams."""

from __future__ import annotations

from edge.backoff import Backoff


def test_waits_double_up_to_the_cap_and_start_over_after_a_success():
    backoff = Backoff(1.0, 10.0)
    assert [backoff.next() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    backoff.reset()
    assert backoff.next() == 1.0
