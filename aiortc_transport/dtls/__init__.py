"""The DTLS layer: certificates and fingerprints, RFC 7983 demultiplexing and record
framing, the sans-I/O DTLS 1.2 core over pyOpenSSL memory BIOs, and RTCDtlsTransport."""
