"""The private, typed seam between two layers of the stack.

Each ORTC transport offers the layer above it exactly this: send one datagram (or, for
DTLS, one application-data message), and register the one function that receives what
arrives. State changes travel through the lower object's pyee ``statechange`` event, which
the upper layer subscribes to; ``state`` tells the current value. Upper layers never call
anything else of the layer below them, and never reach into aioice or OpenSSL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, overload

DatagramReceiver = Callable[[bytes], None]
Handler = TypeVar("Handler", bound=Callable[..., Any])


class DatagramLink(Protocol):
    """What a lower transport offers the transport above it."""

    @property
    def state(self) -> str:
        """The lower transport's current state ("connected", "closed", "failed", ...)."""
        ...

    def _send_datagram(self, data: bytes) -> None:
        """Send one datagram now. Silently dropped when the link is not usable: datagram
        links are lossy by contract, and the caller's protocol recovers."""
        ...

    def _set_datagram_receiver(self, receiver: DatagramReceiver | None) -> None:
        """Register the one receiver of incoming datagrams (``None`` to detach)."""
        ...

    @overload
    def on(self, event: str) -> Callable[[Handler], Handler]: ...
    @overload
    def on(self, event: str, f: Handler) -> Handler: ...
    def on(self, event: str, f: Handler | None = None) -> Any:
        """pyee subscription; upper layers use it for ``statechange``."""
        ...
