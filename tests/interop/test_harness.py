"""The harness itself, proven with aiortc against aiortc (runs in the normal suite)."""

from __future__ import annotations

import pytest

from .harness import Inbox, connected_pair, open_channel_pair

pytestmark = pytest.mark.interop


async def test_aiortc_pair_over_loopback_moves_messages_both_ways() -> None:
    async with connected_pair("aiortc", "aiortc", a_role="client") as (a, b):
        assert a.dtls._role == "client" and b.dtls._role == "server"
        for peer in (a, b):
            assert [c.ip for c in peer.gatherer.getLocalCandidates()] == ["127.0.0.1"]
        ca, cb = await open_channel_pair(a, b, "smoke")
        assert cb.label == "smoke" and ca.id == cb.id == 0  # DTLS client: even id
        inbox_a, inbox_b = Inbox(ca), Inbox(cb)
        ca.send("hello")
        cb.send(b"\x00world")
        assert await inbox_b.wait_count(1) == ["hello"]
        assert await inbox_a.wait_count(1) == [b"\x00world"]
