"""Keep the browser tests on loopback: move the test process into a private network namespace.

A network namespace created with ``unshare(CLONE_NEWNET)`` has one interface, ``lo``, and
it starts down. Once ``lo`` is up, the namespace has 127.0.0.1 and ::1 and nothing else: no
route leads anywhere, so neither Chromium nor a Python peer can send a packet off the machine,
whatever it tries (STUN, mDNS multicast, DNS, update checks).

``unshare(2)`` moves only the calling thread; every thread and process it creates afterwards
inherits the namespace. Called from pytest's main thread before the HTTP server thread, the
playwright driver and Chromium are started, it puts all of them in the namespace. Sockets
opened before the call stay where they were. ``setns(2)`` on a descriptor of the original
namespace brings the thread back afterwards, so the isolation covers exactly the browser
tests and does not leak into tests that run after them.

Needs CAP_SYS_ADMIN (root here). When the process already runs in a namespace with only
``lo`` (for example under ``unshare --net``), nothing is unshared; ``lo`` is only brought up.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import os
import socket
import struct
from collections.abc import Iterator

CLONE_NEWNET = 0x40000000
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
# struct ifreq: 16-byte interface name, then a union whose first member here is a short.
_IFREQ_FLAGS = struct.Struct("16sH22x")


def interface_names() -> list[str]:
    """Names of the network interfaces of the calling thread's namespace."""
    return [name for _, name in socket.if_nameindex()]


def current_namespace() -> str:
    """The calling thread's network namespace, as ``net:[inode]``."""
    return os.readlink("/proc/thread-self/ns/net")


def is_loopback_only() -> bool:
    """True when the namespace has no interface but ``lo``."""
    return interface_names() == ["lo"]


def bring_up_loopback() -> None:
    """Set IFF_UP on ``lo`` (``ip link set lo up`` without needing iproute2)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = _IFREQ_FLAGS.pack(b"lo", 0)
        flags = _IFREQ_FLAGS.unpack(fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        if not flags & _IFF_UP:
            fcntl.ioctl(sock, _SIOCSIFFLAGS, _IFREQ_FLAGS.pack(b"lo", flags | _IFF_UP))


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what} failed: {os.strerror(errno)}")


@contextlib.contextmanager
def private_network_namespace() -> Iterator[bool]:
    """Run the block in a network namespace with only ``lo``, up; then come back.

    Yields True if a new namespace was created, False if the calling thread already was in
    a loopback-only one (then only ``lo`` is brought up and nothing is restored). Raises
    OSError when unsharing is not permitted (needs CAP_SYS_ADMIN).

    On exit the calling thread returns to its original namespace with ``setns(2)``. Threads
    and processes started inside stay in the private one: stop them before leaving.
    """
    if is_loopback_only():
        bring_up_loopback()
        yield False
        return
    libc = _libc()
    original_name = current_namespace()
    original = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        _check(libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
        try:
            bring_up_loopback()
            yield True
        finally:
            _check(libc.setns(original, CLONE_NEWNET), "setns(original namespace)")
            if current_namespace() != original_name:
                raise OSError(f"still in {current_namespace()} after setns to {original_name}")
    finally:
        os.close(original)
