"""SCTP over DTLS (RFC 8261): a sans-I/O RFC 9260 association and its packet codecs."""
