"""One-deadline timers with exponential backoff (RFC 9260 section 6.3.3 E2, 5.1 T1).

A timer is a value holder: it has at most one absolute deadline (``expires_at``) and knows
how many times it expired in a row.  It never calls back: the association asks each of its
timers whether it is due in ``handle_timer(now)``, and ``get_timer()`` is the minimum of the
deadlines.  Backoff doubles the interval on each expiry, capped at ``max_interval``.
"""

from __future__ import annotations


class Timer:
    """A restartable timer with an optional exponential backoff.

    ``start(now)`` arms it with the current interval (base interval times ``2**backoffs``,
    capped); ``expire()`` records one expiry and doubles the interval; ``reset_backoff()``
    returns to the base interval (done when the timer's work succeeded).
    """

    __slots__ = ("_backoffs", "base_interval", "expirations", "expires_at", "max_interval", "name")

    def __init__(self, name: str, base_interval: float, max_interval: float | None = None) -> None:
        self.name = name
        self.base_interval = base_interval
        self.max_interval = max_interval if max_interval is not None else base_interval
        self.expires_at: float | None = None
        #: Expiries since the last ``reset_backoff()`` / ``stop(reset=True)``.
        self.expirations = 0
        self._backoffs = 0

    @property
    def interval(self) -> float:
        """The interval the next ``start()`` uses."""
        value = self.base_interval * (1 << min(self._backoffs, 30))
        return value if value < self.max_interval else self.max_interval

    @property
    def is_running(self) -> bool:
        """Whether a deadline is set."""
        return self.expires_at is not None

    def start(self, now: float, interval: float | None = None) -> None:
        """(Re)arm at ``now`` + ``interval`` (default: the backed-off interval)."""
        self.expires_at = now + (self.interval if interval is None else interval)

    def start_if_stopped(self, now: float) -> None:
        """Arm unless already running."""
        if self.expires_at is None:
            self.start(now)

    def stop(self) -> None:
        """Disarm (keeps the backoff)."""
        self.expires_at = None

    def is_due(self, now: float) -> bool:
        """Whether the deadline has passed."""
        return self.expires_at is not None and self.expires_at <= now

    def expire(self) -> int:
        """Record an expiry: disarm, double the next interval; returns the expiry count."""
        self.expires_at = None
        self.expirations += 1
        self._backoffs += 1
        return self.expirations

    def reset_backoff(self) -> None:
        """Back to the base interval and a zero expiry count."""
        self._backoffs = 0
        self.expirations = 0

    def __repr__(self) -> str:
        return f"Timer({self.name}, expires_at={self.expires_at}, expirations={self.expirations})"
