"""The hub's links to its nodes ([[nodes]]): one edge.node_client.NodeClient each, and whether each
answered lately.

A search on the hub lists results of several nodes; whether each one's video can be played is asked of
its node once per REMEMBER_SECONDS (all nodes at once, each waiting at most the client's connect
timeout), not once per result: a radio link that is down must cost a search a few seconds at most,
and only once. A fetch that succeeds or fails updates what is known at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from edge.config import NodeConfig
from edge.node_client import NodeClient, NodeUnreachable

log = logging.getLogger(__name__)

REMEMBER_SECONDS = 15.0


@dataclass(frozen=True)
class NodeState:
    """What the hub knows of a node: whether it answered, why not, and its cameras when it did."""

    name: str
    reachable: bool
    why: str = ""
    cameras: tuple[dict[str, str], ...] = ()


class NodeLinks:
    def __init__(self, nodes: Iterable[NodeConfig], *, remember: float = REMEMBER_SECONDS):
        self.clients = {n.name: NodeClient(n.name, n.url, n.fingerprint, n.key_file) for n in nodes}
        self.remember = remember
        self._known: dict[str, tuple[float, NodeState]] = {}
        self._lock = threading.Lock()

    def client(self, node: str) -> NodeClient | None:
        return self.clients.get(node)

    def note(self, node: str, reachable: bool, why: str = "") -> None:
        """What a fetch just found: the node answered, or not (and why, for the log and the admin)."""
        with self._lock:
            before = self._known.get(node)
            if reachable and (before is None or not before[1].reachable):
                self._known.pop(node, None)  # back, or new: the next look asks for its cameras (states)
                return
            cameras = before[1].cameras if before else ()
            self._known[node] = (time.monotonic(), NodeState(node, reachable, why, cameras))
        if not reachable and (before is None or before[1].reachable):
            log.warning("%s", why or f"node {node} cannot be reached")

    def down(self, node: str) -> NodeState | None:
        """The node's state when it failed to answer lately (within `remember`): a fetch then answers at
        once instead of waiting for it again, so a hung node costs one wait per `remember`, not one
        per picture or segment asked of it (16 of those fill the web UI's threads for everyone)."""
        with self._lock:
            known = self._known.get(node)
        if known is None or known[1].reachable or time.monotonic() - known[0] >= self.remember:
            return None
        return known[1]

    def states(self, nodes: Iterable[str]) -> dict[str, NodeState]:
        """Each of `nodes` as known now, asking those not heard from lately (in parallel)."""
        wanted = set(nodes)
        now = time.monotonic()
        with self._lock:
            fresh = {n: s for n, (at, s) in self._known.items() if n in wanted and now - at < self.remember}
        stale = sorted(n for n in wanted - set(fresh) if n in self.clients)
        if stale:
            with ThreadPoolExecutor(max_workers=min(len(stale), 8)) as pool:
                for state in pool.map(self._ask, stale):
                    fresh[state.name] = state
        for name in wanted - set(fresh):  # not one of this hub's [[nodes]]
            fresh[name] = NodeState(name, False, f"node {name} is not in this hub's [[nodes]]")
        return fresh

    def all_states(self) -> list[NodeState]:
        return [state for _, state in sorted(self.states(self.clients).items())]

    def _ask(self, node: str) -> NodeState:
        try:
            answer: dict[str, Any] = self.clients[node].ping()
        except NodeUnreachable as exc:
            self.note(node, False, str(exc))
            return NodeState(node, False, str(exc))
        cameras = tuple(
            {"name": str(c.get("name", "")), "title": str(c.get("title", ""))}
            for c in answer.get("cameras", []) if isinstance(c, dict)
        )
        state = NodeState(node, True, "", cameras)
        with self._lock:
            self._known[node] = (time.monotonic(), state)
        return state
