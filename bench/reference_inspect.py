#!/usr/bin/env python3
"""The obvious alternative to `fedcert inspect --json`, for the side-by-side benchmark.

Streams a SAML metadata aggregate with lxml ``iterparse`` (each EntityDescriptor cleared once
written, so memory stays flat), decodes every certificate of every KeyDescriptor with
``cryptography`` and writes the same JSON facts fedcert writes, entity by entity:

    {"source": ..., "entities": [{"entity_id", "certificates": [{"use", "descriptors",
     "subject", "issuer", "serial", "not_before", "not_after", "sha1", "sha256",
     "key_algorithm", "key_bits", "self_signed", "signature_algorithm", "chain_position",
     "error"}], "signed_by"}], "signed_by": ...}

Like fedcert it de-duplicates a certificate that appears twice in one entity (combining the
uses), names distinguished names in certificate order, and decides `self_signed` by the same
rule (names, key identifiers, signature algorithm; not the signature).

    python3 bench/reference_inspect.py AGGREGATE.xml > out.json

Needs ``pip install lxml cryptography``.
"""

import base64
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from lxml import etree

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
ROLES = {
    f"{{{MD}}}IDPSSODescriptor": "IDPSSODescriptor",
    f"{{{MD}}}SPSSODescriptor": "SPSSODescriptor",
    f"{{{MD}}}AttributeAuthorityDescriptor": "AttributeAuthorityDescriptor",
    f"{{{MD}}}AuthnAuthorityDescriptor": "AuthnAuthorityDescriptor",
    f"{{{MD}}}PDPDescriptor": "PDPDescriptor",
    f"{{{MD}}}RoleDescriptor": "RoleDescriptor",
}
KEY_DESCRIPTOR = f"{{{MD}}}KeyDescriptor"
CERT_PATH = f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"
ENTITY = f"{{{MD}}}EntityDescriptor"


def timestamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def serial_hex(n):
    """The serial as `openssl x509 -serial` prints it: whole bytes, uppercase."""
    return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big").hex().upper()


def name_in_certificate_order(name):
    return ", ".join(rdn.rfc4514_string() for rdn in name.rdns)


def key_facts(key):
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", None
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", None
    return "unknown", None


# Signature algorithms each kind of key makes, as dotted-OID prefixes or whole OIDs.
SIGNATURES_OF = {
    rsa.RSAPublicKey: ("1.2.840.113549.1.1.", "1.3.14.3.2.29"),
    ec.EllipticCurvePublicKey: ("1.2.840.10045.4.",),
    dsa.DSAPublicKey: ("1.2.840.10040.4.3", "2.16.840.1.101.3.4.3.1", "2.16.840.1.101.3.4.3.2"),
    ed25519.Ed25519PublicKey: ("1.3.101.112",),
    ed448.Ed448PublicKey: ("1.3.101.113",),
}


def extension_value(cert, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except Exception:  # absent or unreadable: it contradicts nothing
        return None


def self_signed(cert, key):
    """OpenSSL's self-signed flag, as fedcert decides it: the same name as subject and issuer,
    an authority key identifier (if any) equal to the subject key identifier (if any), and a
    signature algorithm the certificate's own kind of key makes. The signature is not checked."""
    if cert.subject != cert.issuer:
        return False
    ski = extension_value(cert, x509.SubjectKeyIdentifier)
    aki = extension_value(cert, x509.AuthorityKeyIdentifier)
    if ski is not None and aki is not None and aki.key_identifier is not None:
        if aki.key_identifier != ski.digest:
            return False
    signature = cert.signature_algorithm_oid.dotted_string
    for kind, prefixes in SIGNATURES_OF.items():
        if isinstance(key, kind):
            return any(
                signature.startswith(p) if p.endswith(".") else signature == p for p in prefixes
            )
    return True


def cert_facts(text):
    der = base64.b64decode("".join(text.split()), validate=True)
    cert = x509.load_der_x509_certificate(der)
    key = cert.public_key()
    algorithm, bits = key_facts(key)
    sig = cert.signature_algorithm_oid._name
    return {
        "subject": name_in_certificate_order(cert.subject),
        "issuer": name_in_certificate_order(cert.issuer),
        "serial": serial_hex(cert.serial_number),
        "not_before": timestamp(cert.not_valid_before_utc),
        "not_after": timestamp(cert.not_valid_after_utc),
        "sha1": cert.fingerprint(hashes.SHA1()).hex().upper(),
        "sha256": cert.fingerprint(hashes.SHA256()).hex().upper(),
        "key_algorithm": algorithm,
        "key_bits": bits,
        "self_signed": self_signed(cert, key),
        "signature_algorithm": sig,
    }


def entity_json(entity):
    certificates = {}
    for role in entity:
        descriptor = ROLES.get(role.tag)
        if descriptor is None:
            continue
        for key in role.iterchildren(KEY_DESCRIPTOR):
            use = key.get("use", "any").strip()
            use = use if use in ("signing", "encryption") else "any"
            for position, element in enumerate(key.iterfind(CERT_PATH)):
                text = element.text or ""
                try:
                    facts = cert_facts(text)
                    sha1 = facts["sha1"]
                    error = None
                except Exception as e:  # kept in place, like fedcert
                    facts, sha1, error = {}, text, str(e)
                known = certificates.get(sha1)
                if known is not None:
                    if known["use"] != use:
                        known["use"] = "any"
                    if descriptor not in known["descriptors"]:
                        known["descriptors"].append(descriptor)
                    known["chain_position"] = min(known["chain_position"], position)
                    continue
                certificates[sha1] = {
                    "use": use,
                    "descriptors": [descriptor],
                    **facts,
                    "chain_position": position,
                    "error": error,
                }
    return {
        "entity_id": entity.get("entityID", ""),
        "certificates": list(certificates.values()),
        "signed_by": None,
    }


def main():
    source = sys.argv[1]
    out = sys.stdout
    out.write('{"source":%s,"entities":[' % json.dumps(source))
    first = True
    for _, entity in etree.iterparse(source, events=("end",), tag=ENTITY):
        if not first:
            out.write(",")
        first = False
        out.write(json.dumps(entity_json(entity), separators=(",", ":")))
        # Free what has been written: the element and the siblings before it.
        entity.clear()
        parent = entity.getparent()
        while entity.getprevious() is not None:
            del parent[0]
    out.write('],"signed_by":null}\n')


if __name__ == "__main__":
    main()
