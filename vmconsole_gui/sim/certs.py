"""Simulated VMCA: a self-signed root and the vCenter / ESXi leaf certificates it signs (vsphere-rest.md §6).

Everything is generated in memory per start. The root is not trusted by the OS, so a client that verifies normally
fails, which is how trust-on-first-use is exercised.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = datetime.timedelta(days=365)


@dataclass(frozen=True)
class LeafCertificate:
    """A server certificate with its private key (PEM) and fingerprints of the DER encoding."""

    cert_pem: str
    key_pem: str = field(repr=False)
    sha256: str
    sha1: str

    @property
    def sha1_dashed(self) -> str:
        """SHA-1 as uppercase hex pairs joined by ``-`` (the ``--tp-`` part of a clone ticket)."""
        return "-".join(self.sha1[i : i + 2].upper() for i in range(0, len(self.sha1), 2))

    def load_into(self, context: ssl.SSLContext) -> None:
        """Load this certificate and key into a server ``context`` (replacing any previous one)."""
        with tempfile.TemporaryDirectory(prefix="vmconsole-sim-") as tmp:
            cert_path = os.path.join(tmp, "cert.pem")
            key_path = os.path.join(tmp, "key.pem")
            with open(cert_path, "w", encoding="ascii") as f:
                f.write(self.cert_pem)
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(self.key_pem)
            context.load_cert_chain(cert_path, key_path)

    def server_context(self) -> ssl.SSLContext:
        """A fresh TLS server context serving this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.load_into(context)
        return context


class CertificateAuthority:
    """A simulated VMCA root (``CN=CA, DC=vsphere, DC=local``) that issues leaf certificates."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._name = x509.Name(
            [
                x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "local"),
                x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "vsphere"),
                x509.NameAttribute(NameOID.COMMON_NAME, "CA"),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(self._name)
            .issuer_name(self._name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + 10 * _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        self._cert = cert
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def issue(self, common_name: str, hosts: list[str]) -> LeafCertificate:
        """Issue a server leaf for ``common_name`` with ``hosts`` (DNS names or IP literals) in the SAN."""
        key = ec.generate_private_key(ec.SECP256R1())
        sans: list[x509.GeneralName] = []
        for host in dict.fromkeys(hosts):
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                sans.append(x509.DNSName(host))
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self._name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        der = cert.public_bytes(serialization.Encoding.DER)
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")
        return LeafCertificate(
            cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            key_pem=key_pem,
            sha256=hashlib.sha256(der).hexdigest(),
            sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest(),
        )
