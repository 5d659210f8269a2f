"""Certificates for the browser tests' HTTPS servers, made with the `openssl` command in the test's
own folder: a CA of the test's own and server certificates for 127.0.0.1 it signs, each with a
key of its own (so that a second one is a "changed" certificate to a laptop that pinned the first).

Every command runs through harness.run: bounded in time, killed with the test, and failing with
openssl's output."""
import base64
import hashlib
import os

import harness

OPENSSL = "/usr/bin/openssl"
# What a certificate for the server on 127.0.0.1 names (the laptop checks the address).
LOCAL_SAN = "IP:127.0.0.1,DNS:localhost"


class Certificate:
    """A PEM certificate file and its private key's file."""

    def __init__(self, cert, key):
        self.cert, self.key = cert, key

    @property
    def tls(self):
        """(certificate, key), as harness.Server's `tls` takes it."""
        return self.cert, self.key


def _new_key(path):
    harness.run([OPENSSL, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
    os.chmod(path, 0o600)


def make_ca(folder, name="ca", common_name="Fieldcheck Browser Test CA"):
    """A self-signed CA in `folder` (NAME.crt, NAME.key), valid ten years."""
    ca = Certificate(os.path.join(folder, name + ".crt"), os.path.join(folder, name + ".key"))
    _new_key(ca.key)
    # req -x509 takes basicConstraints CA:TRUE from openssl.cnf's v3_ca section.
    harness.run([OPENSSL, "req", "-x509", "-new", "-key", ca.key, "-sha256", "-days", "3650",
                 "-subj", "/CN=" + common_name, "-out", ca.cert])
    return ca


def make_server_certificate(folder, name, ca, serial, san=LOCAL_SAN):
    """A server certificate in `folder` (NAME.crt, NAME.key) for `san`, signed by `ca`, with a new
    key and the serial number `serial`, valid 825 days from now."""
    out = Certificate(os.path.join(folder, name + ".crt"), os.path.join(folder, name + ".key"))
    _new_key(out.key)
    csr, ext = os.path.join(folder, name + ".csr"), os.path.join(folder, name + ".ext")
    harness.run([OPENSSL, "req", "-new", "-key", out.key, "-subj", "/CN=" + name, "-out", csr])
    with open(ext, "w") as f:
        f.write(f"subjectAltName={san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    harness.run([OPENSSL, "x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-set_serial", str(serial),
                 "-days", "825", "-sha256", "-extfile", ext, "-out", out.cert])
    os.remove(csr)
    os.remove(ext)
    return out


def key_sha256(cert):
    """The SHA-256 of `cert`'s public key (its DER SubjectPublicKeyInfo, which the PEM that
    `openssl x509 -pubkey` prints wraps in base64), in lowercase hex: what `fieldcheck login`
    prints and pins."""
    pem = harness.run([OPENSSL, "x509", "-in", cert, "-noout", "-pubkey"]).stdout
    body = "".join(line for line in pem.splitlines() if line and not line.startswith("-----"))
    return hashlib.sha256(base64.b64decode(body)).hexdigest()
