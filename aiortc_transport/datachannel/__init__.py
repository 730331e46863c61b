"""Data channels: DCEP (RFC 8832) as a sans-I/O layer, channel parameters, RTCDataChannel."""
