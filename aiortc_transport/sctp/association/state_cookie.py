"""The state cookie (RFC 9260 section 5.1.3): everything the association needs to come into
existence, signed, so that nothing is kept before a valid COOKIE ECHO arrives.

Layout (big endian): version (1), created_at (float64, the association's clock), local tag,
local initial TSN, peer tag, peer a_rwnd, peer outbound streams (2), peer inbound streams (2),
peer initial TSN, tie-tag local, tie-tag peer, feature bits (1), then HMAC-SHA256 over all
of it with a per-association secret.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass

_FIELDS = struct.Struct("!BdIIIIHHIIIB")
_MAC_SIZE = 32
_VERSION = 1
COOKIE_SIZE = _FIELDS.size + _MAC_SIZE

FEATURE_FORWARD_TSN = 0x01
FEATURE_RECONFIG = 0x02
#: The peer offered both I-DATA and I-FORWARD-TSN (RFC 8260).
FEATURE_IDATA = 0x04


@dataclass(frozen=True, slots=True)
class StateCookie:
    """The decoded content of a state cookie."""

    created_at: float
    local_tag: int
    local_initial_tsn: int
    peer_tag: int
    peer_a_rwnd: int
    peer_outbound_streams: int
    peer_inbound_streams: int
    peer_initial_tsn: int
    tie_tag_local: int
    tie_tag_peer: int
    features: int

    def encode(self, secret: bytes) -> bytes:
        """Serialize and sign."""
        body = _FIELDS.pack(
            _VERSION,
            self.created_at,
            self.local_tag,
            self.local_initial_tsn,
            self.peer_tag,
            self.peer_a_rwnd,
            self.peer_outbound_streams,
            self.peer_inbound_streams,
            self.peer_initial_tsn,
            self.tie_tag_local,
            self.tie_tag_peer,
            self.features,
        )
        return body + hmac.new(secret, body, hashlib.sha256).digest()

    @classmethod
    def decode_untrusted(cls, data: bytes, secret: bytes) -> StateCookie | None:
        """Verify and decode a cookie echoed by the peer; None if not ours or tampered."""
        if len(data) != COOKIE_SIZE:
            return None
        body = data[: _FIELDS.size]
        mac = hmac.new(secret, body, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, data[_FIELDS.size :]):
            return None
        fields = _FIELDS.unpack(body)
        if fields[0] != _VERSION:
            return None
        return cls(*fields[1:])
