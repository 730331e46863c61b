"""RTCCertificate: generation, fingerprints in SDP form, PEM persistence."""

from __future__ import annotations

import datetime
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from aiortc_transport.dtls.certificate import (
    RTCCertificate,
    RTCDtlsFingerprint,
    format_fingerprint,
)
from aiortc_transport.exceptions import InvalidAccessError

SDP_FINGERPRINT = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2})+$")


def test_generated_certificate_is_ecdsa_p256_self_signed() -> None:
    certificate = RTCCertificate.generateCertificate()
    cert = x509.load_pem_x509_certificate(certificate.to_pem())
    public_key = cert.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"
    assert cert.issuer == cert.subject
    # Self-signed: the signature verifies with the certificate's own key.
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)
    public_key.verify(
        cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm)
    )


def test_default_validity_is_thirty_days() -> None:
    before = datetime.datetime.now(tz=datetime.UTC)
    certificate = RTCCertificate.generateCertificate()
    after = datetime.datetime.now(tz=datetime.UTC)
    # not_valid_after has one-second resolution.
    assert (
        before + datetime.timedelta(days=30) - datetime.timedelta(seconds=1)
        <= certificate.expires
        <= after + datetime.timedelta(days=30)
    )
    assert certificate.expires.tzinfo is not None


def test_custom_validity() -> None:
    certificate = RTCCertificate.generateCertificate(validity=datetime.timedelta(days=365))
    remaining = certificate.expires - datetime.datetime.now(tz=datetime.UTC)
    assert datetime.timedelta(days=364) < remaining <= datetime.timedelta(days=365)
    with pytest.raises(InvalidAccessError):
        RTCCertificate.generateCertificate(validity=datetime.timedelta(0))


def test_fingerprints_sdp_form_and_values() -> None:
    certificate = RTCCertificate.generateCertificate()
    der = x509.load_pem_x509_certificate(certificate.to_pem()).public_bytes(
        serialization.Encoding.DER
    )
    fingerprints = certificate.getFingerprints()
    assert [f.algorithm for f in fingerprints] == ["sha-256", "sha-384", "sha-512"]
    expected_lengths = {"sha-256": 32, "sha-384": 48, "sha-512": 64}
    hash_algorithms: dict[str, hashes.HashAlgorithm] = {
        "sha-256": hashes.SHA256(),
        "sha-384": hashes.SHA384(),
        "sha-512": hashes.SHA512(),
    }
    for fingerprint in fingerprints:
        assert SDP_FINGERPRINT.match(fingerprint.value)
        assert len(fingerprint.value.split(":")) == expected_lengths[fingerprint.algorithm]
        digest = hashes.Hash(hash_algorithms[fingerprint.algorithm])
        digest.update(der)
        assert bytes.fromhex(fingerprint.value.replace(":", "")) == digest.finalize()


def test_two_certificates_differ() -> None:
    a = RTCCertificate.generateCertificate().getFingerprints()[0]
    b = RTCCertificate.generateCertificate().getFingerprints()[0]
    assert a != b


def test_format_fingerprint() -> None:
    assert format_fingerprint(bytes([0xAB, 0x01, 0xFF])) == "AB:01:FF"
    assert str(RTCDtlsFingerprint("sha-256", "AB:CD")) == "sha-256 AB:CD"


def test_pem_round_trip_keeps_fingerprint() -> None:
    original = RTCCertificate.generateCertificate()
    loaded = RTCCertificate.from_pem(original.to_pem())
    assert loaded.getFingerprints() == original.getFingerprints()
    assert loaded.expires == original.expires


def test_pem_order_does_not_matter() -> None:
    original = RTCCertificate.generateCertificate()
    pem = original.to_pem()
    split = pem.index(b"-----BEGIN CERTIFICATE-----")
    swapped = pem[split:] + pem[:split]
    assert RTCCertificate.from_pem(swapped).getFingerprints() == original.getFingerprints()


def test_encrypted_pem() -> None:
    original = RTCCertificate.generateCertificate()
    pem = original.to_pem(password=b"s3cret")
    assert b"ENCRYPTED PRIVATE KEY" in pem
    loaded = RTCCertificate.from_pem(pem, password=b"s3cret")
    assert loaded.getFingerprints() == original.getFingerprints()
    with pytest.raises(InvalidAccessError):
        RTCCertificate.from_pem(pem, password=b"wrong")
    with pytest.raises(InvalidAccessError):
        RTCCertificate.from_pem(pem)


def test_pem_missing_parts_or_foreign_key() -> None:
    a = RTCCertificate.generateCertificate().to_pem()
    b = RTCCertificate.generateCertificate().to_pem()
    a_split = a.index(b"-----BEGIN CERTIFICATE-----")
    b_split = b.index(b"-----BEGIN CERTIFICATE-----")
    with pytest.raises(InvalidAccessError, match="certificate"):
        RTCCertificate.from_pem(a[:a_split])  # key only
    with pytest.raises(InvalidAccessError, match="key"):
        RTCCertificate.from_pem(a[a_split:])  # certificate only
    with pytest.raises(InvalidAccessError, match="does not belong"):
        RTCCertificate.from_pem(a[:a_split] + b[b_split:])
    with pytest.raises(InvalidAccessError):
        RTCCertificate.from_pem(b"not a pem at all")
