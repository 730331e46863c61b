"""RTCCertificate and RTCDtlsFingerprint: the local identity of a DTLS transport.

WebRTC authenticates DTLS peers not through a PKI but through the certificate fingerprints
carried in the signalling (RFC 8122 ``a=fingerprint``, RFC 8827 section 6.5). A certificate
is therefore self-signed; what matters is that its fingerprint is stable for as long as
the signalling that announced it is in use. Applications that want the same fingerprint
across restarts save the certificate and its key as PEM and load them again.

Fingerprint values use the SDP form of RFC 8122 section 5: upper-case hex byte pairs
joined by colons (``AB:CD:...``); algorithm names are the lower-case IANA "Hash Function
Textual Names" (``sha-256``).
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..exceptions import InvalidAccessError

#: Validity of a generated certificate, counted from the moment it is generated. 30 days
#: is what browsers use for ``RTCPeerConnection.generateCertificate`` without ``expires``.
DEFAULT_CERTIFICATE_VALIDITY: Final = datetime.timedelta(days=30)

#: Generated certificates start being valid this much before "now", so that a peer whose
#: clock runs a little behind does not see a certificate from the future. (WebRTC peers do
#: not check validity dates today, but nothing is lost by being tolerant.)
_NOT_BEFORE_SLACK: Final = datetime.timedelta(days=1)

#: Hash algorithms accepted for fingerprints, by their SDP name, strongest last. "sha-1" is
#: deliberately absent: RFC 8122 still lists it, but browsers stopped emitting it years ago
#: and a fingerprint list holding only sha-1 is treated as "no supported algorithm".
FINGERPRINT_ALGORITHMS: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "sha-256": hashes.SHA256,
    "sha-384": hashes.SHA384,
    "sha-512": hashes.SHA512,
}

#: The same algorithms by the name OpenSSL's ``X509_digest`` knows them under (used by the
#: DTLS core on the peer certificate during the handshake).
OPENSSL_DIGEST_NAMES: Final[dict[str, str]] = {
    "sha-256": "sha256",
    "sha-384": "sha384",
    "sha-512": "sha512",
}


@dataclass(frozen=True, slots=True)
class RTCDtlsFingerprint:
    """One certificate fingerprint: the hash algorithm and the digest in SDP form.

    ``algorithm`` is a lower-case name such as ``"sha-256"``; ``value`` the digest as
    upper-case hex pairs separated by colons, e.g. ``"AB:CD:..."``.
    """

    algorithm: str
    value: str

    def __str__(self) -> str:
        return f"{self.algorithm} {self.value}"


def format_fingerprint(digest: bytes) -> str:
    """Render a raw digest in the SDP fingerprint form (``AB:CD:...``)."""
    return digest.hex(":").upper()


def normalize_fingerprint_value(value: str) -> str:
    """Canonical form of a fingerprint value for comparison (upper case, no blanks).

    RFC 8122 section 5 writes the hex digits in upper case, but RFC 4572 allowed lower
    case and some stacks still send it; the comparison must not care.
    """
    return value.strip().upper()


class RTCCertificate:
    """A certificate and its private key, used by an :class:`RTCDtlsTransport`.

    Create one with :meth:`generateCertificate`, or restore a saved one with
    :meth:`from_pem`. The same object may be shared by several transports.
    """

    def __init__(
        self,
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
        cert: x509.Certificate,
    ) -> None:
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise InvalidAccessError("the private key must be an EC or RSA key")
        spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
            raise InvalidAccessError("the private key does not belong to the certificate")
        self._key = key
        self._cert = cert
        self._fingerprints = tuple(
            RTCDtlsFingerprint(name, format_fingerprint(cert.fingerprint(algorithm())))
            for name, algorithm in FINGERPRINT_ALGORITHMS.items()
        )

    @property
    def expires(self) -> datetime.datetime:
        """The (timezone-aware, UTC) moment after which the certificate is no longer valid."""
        return self._cert.not_valid_after_utc

    def getFingerprints(self) -> list[RTCDtlsFingerprint]:
        """The certificate's fingerprints, one per supported algorithm, sha-256 first."""
        return list(self._fingerprints)

    @classmethod
    def generateCertificate(
        cls, *, validity: datetime.timedelta = DEFAULT_CERTIFICATE_VALIDITY
    ) -> RTCCertificate:
        """Create a fresh ECDSA P-256 key and a self-signed certificate for it.

        The certificate is valid from one day before now until ``validity`` (default 30
        days) after now. Its subject is a random common name, as browsers do, so that it
        says nothing about the host.
        """
        if validity <= datetime.timedelta(0):
            raise InvalidAccessError("certificate validity must be positive")
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, secrets.token_hex(16))])
        now = datetime.datetime.now(tz=datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _NOT_BEFORE_SLACK)
            .not_valid_after(now + validity)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def to_pem(self, *, password: bytes | None = None) -> bytes:
        """The private key (PKCS#8) followed by the certificate, as one PEM document.

        With ``password`` the key is encrypted (the best scheme the cryptography package
        offers). Load the result again with :meth:`from_pem`.
        """
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        key_pem = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        return key_pem + self._cert.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def from_pem(cls, data: bytes, *, password: bytes | None = None) -> RTCCertificate:
        """Load a certificate and its private key from PEM (both in ``data``, any order).

        Raises :class:`InvalidAccessError` when either is missing, the key is encrypted
        and the password is wrong or missing, or the key does not match the certificate.
        """
        try:
            cert = x509.load_pem_x509_certificate(data)
        except ValueError as exc:
            raise InvalidAccessError(f"no PEM certificate found: {exc}") from None
        try:
            key = serialization.load_pem_private_key(data, password=password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise InvalidAccessError(f"cannot load the PEM private key: {exc}") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise InvalidAccessError("the private key must be an EC or RSA key")
        return cls(key, cert)

    def __repr__(self) -> str:
        return f"RTCCertificate({self._fingerprints[0]}, expires={self.expires.isoformat()})"


__all__ = [
    "DEFAULT_CERTIFICATE_VALIDITY",
    "FINGERPRINT_ALGORITHMS",
    "RTCCertificate",
    "RTCDtlsFingerprint",
    "format_fingerprint",
    "normalize_fingerprint_value",
]
