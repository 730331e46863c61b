"""Which TSNs were received, and when to acknowledge them (RFC 9260 sections 6.2, 6.7).

TSNs are unwrapped ints.  Everything up to ``cumulative_tsn`` was received; above it, the
received TSNs are kept as a sorted list of disjoint inclusive ranges (the future gap ack
blocks), so inserting one TSN costs a bisect plus a short list operation, and the common
in-order case touches nothing but ``cumulative_tsn``.

Delayed SACK (RFC 9260 section 6.2): a SACK goes out at once for every second packet with
DATA, for any packet that leaves or fills a gap or repeats a TSN, for the I bit (RFC 7053)
and after a FORWARD TSN; otherwise within ``delayed_ack_timeout``.
"""

from __future__ import annotations

from bisect import bisect_right


class DataTracker:
    """Receive-side TSN bookkeeping and the delayed-SACK decision."""

    __slots__ = (
        "_blocks",
        "_duplicates",
        "_max_duplicates",
        "_packets_unacked",
        "_sack_now",
        "cumulative_tsn",
        "delayed_ack_at",
    )

    def __init__(self, peer_initial_tsn: int, max_duplicates: int = 16) -> None:
        #: Highest TSN up to which everything was received (unwrapped).
        self.cumulative_tsn = peer_initial_tsn - 1
        # Sorted, disjoint, non-adjacent [start, end] ranges above cumulative_tsn + 1.
        self._blocks: list[list[int]] = []
        self._duplicates: list[int] = []
        self._max_duplicates = max_duplicates
        self._packets_unacked = 0
        self._sack_now = False
        #: When the delayed SACK is due (None: nothing pending).
        self.delayed_ack_at: float | None = None

    # -- receiving ---------------------------------------------------------------------
    def is_received(self, tsn: int) -> bool:
        """Whether ``tsn`` was already received (or skipped by FORWARD TSN)."""
        if tsn <= self.cumulative_tsn:
            return True
        blocks = self._blocks
        if not blocks:
            return False
        i = bisect_right(blocks, [tsn, 1 << 62]) - 1
        return i >= 0 and blocks[i][0] <= tsn <= blocks[i][1]

    def observe(self, tsn: int, immediate_ack: bool = False) -> bool:
        """Record one received DATA TSN; returns False (and notes it) for a duplicate."""
        cum = self.cumulative_tsn
        if tsn == cum + 1:
            blocks = self._blocks
            if blocks and blocks[0][0] == tsn + 1:
                # This TSN fills the first gap: the cumulative point jumps over the block.
                self.cumulative_tsn = blocks[0][1]
                del blocks[0]
                # Filling a gap is reported at once (RFC 9260 section 6.7).
                self._sack_now = True
            else:
                self.cumulative_tsn = tsn
            if immediate_ack:
                self._sack_now = True
            return True
        if tsn <= cum:
            self._add_duplicate(tsn)
            return False
        if not self._insert(tsn):
            self._add_duplicate(tsn)
            return False
        # Out of order: a gap exists, acknowledge at once (RFC 9260 section 6.7).
        self._sack_now = True
        return True

    def _add_duplicate(self, tsn: int) -> None:
        if len(self._duplicates) < self._max_duplicates:
            self._duplicates.append(tsn)
        self._sack_now = True

    def _insert(self, tsn: int) -> bool:
        """Insert a TSN above cumulative_tsn + 1 into the ranges; False if present."""
        blocks = self._blocks
        i = bisect_right(blocks, [tsn, 1 << 62]) - 1
        if i >= 0:
            block = blocks[i]
            if tsn <= block[1]:
                return False
            if tsn == block[1] + 1:
                block[1] = tsn
                if i + 1 < len(blocks) and blocks[i + 1][0] == tsn + 1:
                    block[1] = blocks[i + 1][1]
                    del blocks[i + 1]
                return True
        if i + 1 < len(blocks) and blocks[i + 1][0] == tsn + 1:
            blocks[i + 1][0] = tsn
            return True
        blocks.insert(i + 1, [tsn, tsn])
        return True

    def forward_to(self, new_cumulative_tsn: int) -> bool:
        """FORWARD TSN (RFC 3758 section 3.6): treat everything up to it as received.

        Returns False when it does not move the cumulative point (an old FORWARD TSN).
        """
        # The peer expects a SACK after a FORWARD TSN, even a stale one (it may be a retry).
        self._sack_now = True
        if new_cumulative_tsn <= self.cumulative_tsn:
            return False
        self.cumulative_tsn = new_cumulative_tsn
        blocks = self._blocks
        while blocks and blocks[0][0] <= self.cumulative_tsn + 1:
            if blocks[0][1] > self.cumulative_tsn:
                self.cumulative_tsn = blocks[0][1]
            del blocks[0]
        return True

    # -- acknowledging -----------------------------------------------------------------
    def packet_end(self, now: float, had_data: bool, delay: float) -> None:
        """Called after each received packet: decide immediate vs delayed SACK."""
        if not had_data:
            return
        self._packets_unacked += 1
        if self._packets_unacked >= 2:
            self._sack_now = True
        if not self._sack_now and self.delayed_ack_at is None:
            self.delayed_ack_at = now + delay

    def force_sack(self) -> None:
        """Ask for a SACK at the next transmission opportunity."""
        self._sack_now = True

    @property
    def sack_due_now(self) -> bool:
        """Whether a SACK must go out at the next transmission opportunity."""
        return self._sack_now

    def sack_due(self, now: float) -> bool:
        """Whether a SACK is due now (immediate, or the delayed one timed out)."""
        return self._sack_now or (self.delayed_ack_at is not None and self.delayed_ack_at <= now)

    @property
    def sack_pending(self) -> bool:
        """Whether something is unacknowledged (immediate or delayed SACK pending)."""
        return self._sack_now or self.delayed_ack_at is not None

    def gap_ack_blocks(self, limit: int) -> list[tuple[int, int]]:
        """Gap ack blocks as on the wire: offsets from the cumulative TSN (at most ``limit``)."""
        cum = self.cumulative_tsn
        return [(b[0] - cum, b[1] - cum) for b in self._blocks[:limit]]

    def take_sack(self, gap_limit: int) -> tuple[int, list[tuple[int, int]], list[int]]:
        """(cumulative TSN, gap blocks, duplicate TSNs) for a SACK; clears the SACK state."""
        cum = self.cumulative_tsn
        blocks = (
            [(b[0] - cum, b[1] - cum) for b in self._blocks[:gap_limit]] if self._blocks else []
        )
        duplicates = self._duplicates
        self._duplicates = []
        self._packets_unacked = 0
        self._sack_now = False
        self.delayed_ack_at = None
        return cum, blocks, duplicates

    @property
    def has_gaps(self) -> bool:
        """Whether TSNs above a hole were received."""
        return bool(self._blocks)

    @property
    def highest_received(self) -> int:
        """The highest TSN received so far."""
        return self._blocks[-1][1] if self._blocks else self.cumulative_tsn
