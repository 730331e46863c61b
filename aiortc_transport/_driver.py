"""The one asyncio helper the ORTC adapters share: a single re-armable deadline.

Sans-I/O cores report one absolute deadline (``get_timer()``) on the event loop's clock; the
adapter re-arms one ``loop.call_at`` after every input. On the data path that deadline moves
after nearly every packet (T3-rtx restarts, delayed SACK), almost always *later*. Cancelling
and re-creating a TimerHandle each time is measurable, so a deadline that moves later keeps
the existing handle: when it fires early, it re-schedules itself to the current deadline
instead of running the callback. Only a deadline that moves earlier costs a new handle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class DeadlineTimer:
    """One ``call_at`` handle that follows a core's next deadline."""

    __slots__ = ("_callback", "_deadline", "_handle", "_handle_at", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
        self._loop = loop
        self._callback = callback
        self._deadline: float | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._handle_at = 0.0

    @property
    def deadline(self) -> float | None:
        """The absolute loop time the callback will run at, or ``None`` when disarmed."""
        return self._deadline

    def arm(self, deadline: float | None) -> None:
        """Run the callback at ``deadline`` (loop time); ``None`` disarms."""
        self._deadline = deadline
        if deadline is None:
            # Keep a pending handle: it finds no deadline when it fires and does nothing.
            # Cancelling it here would cost as much as the churn this class avoids.
            return
        handle = self._handle
        if handle is not None:
            if self._handle_at <= deadline:
                return
            handle.cancel()
        self._handle_at = deadline
        self._handle = self._loop.call_at(deadline, self._fire)

    def cancel(self) -> None:
        """Disarm and drop the pending handle (for teardown)."""
        self._deadline = None
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        deadline = self._deadline
        if deadline is None:
            return
        if deadline > self._loop.time():
            self._handle_at = deadline
            self._handle = self._loop.call_at(deadline, self._fire)
            return
        self._deadline = None
        self._callback()
