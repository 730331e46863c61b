"""Data-channel benchmarks: one scenario, two roles, in two processes or in one.

Theory of operation: a scenario is a pair of coroutines, one for peer A (DTLS client, the
channel opener and the sender) and one for peer B (the receiver / echoer). Each role gets its
peer (built by ``tests.interop.harness``) and a *link* to the other role for out-of-band
signalling and bookkeeping: descriptions, "go" barriers, byte totals. The link is a
``multiprocessing.Pipe`` when the roles run in two spawned processes (the way INTEROP-NOTES'
aiortc figures were measured), or a pair of asyncio queues when both run in one event loop.

Clocks: ``time.perf_counter()`` is CLOCK_MONOTONIC on Linux, shared by every process, so a
start stamped by the sender and an end stamped by the receiver can be subtracted. CPU time is
``time.process_time()`` of each process over the measured window.

Everything runs over real UDP on 127.0.0.1 with loopback-only ICE (see the harness).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import statistics
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from tests.interop.harness import Impl, Peer, make_peer, send_paced, wait_state

KIB = 1024
MIB = 1024 * 1024
DEADLINE = 60.0
"Seconds a whole scenario may take before it is abandoned."


# -- links -------------------------------------------------------------------------------------


class Link(Protocol):
    """Out-of-band messages between the two roles."""

    def send(self, obj: Any) -> None: ...

    async def recv(self) -> Any: ...


class PipeLink:
    """A ``multiprocessing`` connection read without blocking the event loop."""

    def __init__(self, conn: multiprocessing.connection.Connection) -> None:
        self._conn = conn

    def send(self, obj: Any) -> None:
        self._conn.send(obj)

    async def recv(self) -> Any:
        if self._conn.poll():
            return self._conn.recv()
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = self._conn.fileno()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await ready
        finally:
            loop.remove_reader(fd)
        return self._conn.recv()


class QueueLink:
    """One end of an in-process link."""

    def __init__(self, inbox: asyncio.Queue[Any], outbox: asyncio.Queue[Any]) -> None:
        self._inbox = inbox
        self._outbox = outbox

    def send(self, obj: Any) -> None:
        self._outbox.put_nowait(obj)

    async def recv(self) -> Any:
        return await self._inbox.get()


def queue_links() -> tuple[QueueLink, QueueLink]:
    """The two ends of an in-process link."""
    ab: asyncio.Queue[Any] = asyncio.Queue()
    ba: asyncio.Queue[Any] = asyncio.Queue()
    return QueueLink(ba, ab), QueueLink(ab, ba)


# -- connection set-up --------------------------------------------------------------------------


async def barrier(link: Link) -> None:
    """Both roles reach this point before either goes on."""
    link.send("ready")
    message = await link.recv()
    assert message == "ready", message


@dataclass
class Session:
    """A connected peer and the channel(s) of a scenario, with the set-up time."""

    peer: Peer
    channels: list[Any]
    setup_seconds: float


async def open_session(
    role: str,
    impl: Impl,
    link: Link,
    channel_specs: list[dict[str, Any]],
    on_channel: Callable[[Any], None] | None = None,
    sctp_options: dict[str, Any] | None = None,
) -> Session:
    """Build a peer, signal over ``link``, connect, and open ``channel_specs`` (A opens them).

    The set-up time runs from the moment the peer objects are created (both roles start
    together after a barrier) until every channel of this role is open. ``on_channel`` is
    called on B inside the ``datachannel`` event, before any message can arrive.
    """
    await barrier(link)
    started = time.perf_counter()
    peer = make_peer(impl, "client" if role == "A" else "server", sctp_options=sctp_options)
    if on_channel is not None:
        peer.channel_hooks.append(on_channel)
    await peer.gather()
    link.send(peer.description())
    remote = await link.recv()
    if role == "A":
        channels = [peer.create_channel(**spec) for spec in channel_specs]
        await asyncio.gather(peer.connect(remote), *(wait_state(c, "open") for c in channels))
    else:
        await peer.connect(remote)
        channels = [await peer.next_channel() for _ in channel_specs]
        await asyncio.gather(*(wait_state(c, "open") for c in channels))
    return Session(peer, channels, time.perf_counter() - started)


# -- scenarios ------------------------------------------------------------------------------------

Role = Callable[[str, Impl, Link, dict[str, Any]], Awaitable[dict[str, Any]]]


async def setup_scenario(
    role: str, impl: Impl, link: Link, params: dict[str, Any]
) -> dict[str, Any]:
    """Connect ``repeat`` times from scratch; report every set-up time."""
    times = []
    for _ in range(params["repeat"]):
        session = await open_session(role, impl, link, [{"label": "setup"}])
        times.append(session.setup_seconds)
        await barrier(link)  # both sides open before either tears down
        await session.peer.close()
    return {"setup_seconds": times}


def _timed_chunks(payload: bytes, seconds: float, counter: list[int]) -> Iterator[bytes]:
    """``payload`` again and again for ``seconds``; counts messages in ``counter[0]``."""
    deadline = time.perf_counter() + seconds
    check = 0
    while True:
        check += 1
        # Reading the clock per message would cost as much as a small send: look every 16.
        if check & 15 == 0 and time.perf_counter() >= deadline:
            return
        counter[0] += 1
        yield payload


async def throughput_scenario(
    role: str, impl: Impl, link: Link, params: dict[str, Any]
) -> dict[str, Any]:
    """A sends ``size``-byte messages for ``seconds``; B counts them.

    Reliable ordered by default; ``ordered`` / ``maxRetransmits`` in ``params`` select the
    partially reliable variant, for which B also reports how many messages arrived.
    ``sctp`` in ``params`` (ours only) sets ``AssociationOptions`` fields on both peers.
    """
    spec = {
        "label": "bulk",
        "ordered": params.get("ordered", True),
        "maxRetransmits": params.get("maxRetransmits"),
    }
    session = await open_session(role, impl, link, [spec], sctp_options=params.get("sctp"))
    channel = session.channels[0]
    size = params["size"]
    if role == "A":
        payload = bytes(size)
        counter = [0]
        await barrier(link)
        cpu0 = time.process_time()
        started = time.perf_counter()
        await send_paced(
            channel, _timed_chunks(payload, params["seconds"], counter), high=params["high"]
        )
        link.send({"messages": counter[0], "started": started})
        done = await link.recv()
        cpu = time.process_time() - cpu0
        result = {"sender_cpu": cpu, "messages_sent": counter[0], **done}
        await barrier(link)
    else:
        received = [0, 0]  # messages, bytes
        last = [0.0]
        arrived = asyncio.Event()

        def on_message(message: bytes) -> None:
            received[0] += 1
            received[1] += len(message)
            last[0] = time.perf_counter()
            arrived.set()

        channel.on("message", on_message)
        await barrier(link)
        cpu0 = time.process_time()
        sent = await link.recv()
        wanted = sent["messages"]
        reliable = spec["maxRetransmits"] is None

        async def all_in() -> None:
            while received[0] < wanted:
                arrived.clear()
                await arrived.wait()

        try:
            # Partially reliable data may be lost: wait for it a bounded time only.
            await asyncio.wait_for(all_in(), DEADLINE if reliable else 2.0)
        except TimeoutError:
            if reliable:
                raise
        cpu = time.process_time() - cpu0
        elapsed = last[0] - sent["started"]
        link.send(
            {
                "receiver_cpu": cpu,
                "messages_received": received[0],
                "bytes_received": received[1],
                "seconds": elapsed,
            }
        )
        result = {}
        await barrier(link)
    await session.peer.close()
    return result


async def ping_pong_scenario(
    role: str, impl: Impl, link: Link, params: dict[str, Any]
) -> dict[str, Any]:
    """A sends a 100-byte message and waits for B's echo, ``count`` times (after a warm-up)."""
    # B echoes from the moment its channel exists: A sends as soon as its side is open.
    echo = None if role == "A" else (lambda channel: channel.on("message", channel.send))
    session = await open_session(role, impl, link, [{"label": "ping"}], echo)
    channel = session.channels[0]
    result: dict[str, Any] = {}
    if role == "A":
        echoed = asyncio.Event()
        channel.on("message", lambda _message: echoed.set())
        payload = bytes(params["size"])
        rtts = []
        for i in range(params["warmup"] + params["count"]):
            echoed.clear()
            started = time.perf_counter()
            channel.send(payload)
            await asyncio.wait_for(echoed.wait(), 5)
            if i >= params["warmup"]:
                rtts.append(time.perf_counter() - started)
        result = {"rtts": rtts}
    await barrier(link)
    await session.peer.close()
    return result


SCENARIOS: dict[str, Role] = {
    "setup": setup_scenario,
    "throughput": throughput_scenario,
    "ping_pong": ping_pong_scenario,
}


# -- running ------------------------------------------------------------------------------------


def _child(
    role: str,
    impl: Impl,
    scenario: str,
    params: dict[str, Any],
    peer_conn: multiprocessing.connection.Connection,
    result_conn: multiprocessing.connection.Connection,
) -> None:
    """Process entry point: run one role and send its result (or error) to the parent."""
    try:
        result = asyncio.run(
            asyncio.wait_for(SCENARIOS[scenario](role, impl, PipeLink(peer_conn), params), DEADLINE)
        )
        result_conn.send(("ok", result))
    except BaseException:  # reported to the parent, which fails the test
        result_conn.send(("error", f"{impl} {role}: {traceback.format_exc()}"))


def run_two_processes(impl: Impl, scenario: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run ``scenario`` with A and B in two spawned processes; merge their results."""
    ctx = multiprocessing.get_context("spawn")
    a_conn, b_conn = ctx.Pipe()
    results = []
    processes = []
    parents = []
    for role, conn in (("A", a_conn), ("B", b_conn)):
        parent_end, child_end = ctx.Pipe(duplex=False)
        process = ctx.Process(
            target=_child, args=(role, impl, scenario, params, conn, child_end), daemon=True
        )
        process.start()
        processes.append(process)
        parents.append(parent_end)
    try:
        for parent_end in parents:
            if not parent_end.poll(DEADLINE + 30):
                raise TimeoutError(f"{scenario} ({impl}) did not finish")
            status, value = parent_end.recv()
            if status != "ok":
                raise RuntimeError(value)
            results.append(value)
    finally:
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.kill()
    return {**results[1], **results[0]}


async def run_one_process(impl: Impl, scenario: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run ``scenario`` with A and B in this process's event loop."""
    link_a, link_b = queue_links()
    role = SCENARIOS[scenario]
    a, b = await asyncio.wait_for(
        asyncio.gather(role("A", impl, link_a, params), role("B", impl, link_b, params)),
        DEADLINE,
    )
    return {**b, **a}


# -- figures -------------------------------------------------------------------------------------


def throughput_figures(result: dict[str, Any], one_process: bool = False) -> dict[str, float]:
    """MB/s (10^6 bytes), CPU seconds per MB and the delivered fraction of a throughput run."""
    megabytes = result["bytes_received"] / 1e6
    # In one process the sender's window covers the receiver's CPU too.
    both = result["sender_cpu"] + result["receiver_cpu"]
    cpu = result["sender_cpu"] if one_process else both
    return {
        "mb_per_s": megabytes / result["seconds"],
        "cpu_s_per_mb": cpu / megabytes,
        "delivered": result["messages_received"] / max(1, result["messages_sent"]),
    }


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def median(values: list[float]) -> float:
    """The median of ``values``."""
    return statistics.median(values)
