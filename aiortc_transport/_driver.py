"""The one asyncio helper the ORTC adapters share: a single re-armable deadline.

Sans-I/O cores report one absolute deadline (``get_timer()``) on the event loop's clock; the
adapter re-arms one ``loop.call_at`` after every input. Re-arming to the same deadline is free,
which matters on the data path where the deadline rarely moves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class DeadlineTimer:
    """One ``call_at`` handle that follows a core's next deadline."""

    __slots__ = ("_callback", "_deadline", "_handle", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
        self._loop = loop
        self._callback = callback
        self._deadline: float | None = None
        self._handle: asyncio.TimerHandle | None = None

    @property
    def deadline(self) -> float | None:
        """The absolute loop time the callback will run at, or ``None`` when disarmed."""
        return self._deadline

    def arm(self, deadline: float | None) -> None:
        """Run the callback at ``deadline`` (loop time); ``None`` disarms."""
        if deadline == self._deadline:
            return
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._deadline = deadline
        if deadline is not None:
            self._handle = self._loop.call_at(deadline, self._fire)

    def cancel(self) -> None:
        """Disarm."""
        self.arm(None)

    def _fire(self) -> None:
        self._handle = None
        self._deadline = None
        self._callback()
