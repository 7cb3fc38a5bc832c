#!/usr/bin/env python3
"""Verify a DSSE envelope written by sbomctl (or cosign) with tools that
share no code with sbomctl: securesystemslib's DSSE and key API and the
in-toto packages (PyPI).

    verify_dsse.py --key cosign.pub [--statement-version 1|0.1]
                   [--subject-digest sha256:HEX] [--predicate-type URI]
                   ENVELOPE.json

ENVELOPE.json holds a DSSE envelope (`sbomctl download attestation`,
`verify-attestation -o envelope`, a `.att` layer) or a Sigstore bundle
with a `dsseEnvelope`. The key is a PKIX `PUBLIC KEY` PEM (cosign's
`cosign.pub`), ECDSA P-256 verified with the `ecdsa-sha2-nistp256` scheme
(SHA-256, DER signatures, as cosign signs).

Checks, each reported by name in the verdict:
- `envelope`: in_toto.models.metadata.Envelope (securesystemslib's
  dsse.Envelope) parses it, and payloadType is in-toto's
  `application/vnd.in-toto+json`;
- `signature`: securesystemslib's Envelope.verify(keys, threshold=1) over
  PAE of the exact payload bytes;
- `statement`: the payload is an in-toto Statement: v1 through the
  in-toto-attestation package's v1 model (protobuf JSON parse, unknown
  fields rejected, then Statement.validate()), plus the spec rules the model
  does not check (predicateType is a URI, sha256 digests are 64 lowercase hex
  digits, the predicate is a JSON object). v0.1 has no model in that
  package: the same message shape is parsed and the v0.1 spec rules checked
  by hand (every subject has a name and a digest);
- `subject`, `predicate type`: optional expectations.

Prints one JSON verdict on stdout; exits 0 when every check passed, 1 when
one failed, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from importlib.metadata import version
from urllib.parse import urlparse

try:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from google.protobuf import json_format
    from in_toto.models.metadata import ENVELOPE_PAYLOAD_TYPE
    from in_toto.models.metadata import Envelope as InTotoEnvelope
    from in_toto_attestation.v1 import statement_pb2
    from in_toto_attestation.v1.statement import STATEMENT_TYPE_URI as STATEMENT_V1
    from in_toto_attestation.v1.statement import Statement
    from securesystemslib.exceptions import VerificationError
    from securesystemslib.signer import SSlibKey
except ImportError as e:
    print(
        f"verify_dsse.py: {e}: run scripts/test.sh (it installs "
        "scripts/requirements-test.txt into target/venv)",
        file=sys.stderr,
    )
    sys.exit(2)

STATEMENT_V0_1 = "https://in-toto.io/Statement/v0.1"
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def load_key(pem: bytes) -> SSlibKey:
    public = load_pem_public_key(pem)
    if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(
        public.curve, ec.SECP256R1
    ):
        raise ValueError("only ECDSA P-256 keys (cosign's default) are supported")
    return SSlibKey.from_crypto(public, scheme="ecdsa-sha2-nistp256")


def keys_for(key: SSlibKey, envelope: InTotoEnvelope) -> list[SSlibKey]:
    # securesystemslib only tries a key on signatures whose keyid equals the
    # key's (its issue #416: DSSE says keyid is an unauthenticated hint, and
    # cosign writes ""). The caller names the one key to trust, so it is
    # offered under each keyid present; the signature itself is what counts.
    keyids = list(envelope.signatures) or [key.keyid]
    return [
        SSlibKey(keyid, key.keytype, key.scheme, copy.deepcopy(key.keyval))
        for keyid in keyids
    ]


def is_uri(value: str) -> bool:
    parsed = urlparse(value)
    return bool(parsed.scheme) and bool(parsed.netloc or parsed.path)


def check_statement(payload: bytes, wanted_version: str | None) -> tuple[dict, list[str]]:
    """The statement (as parsed JSON) and every rule it breaks."""
    errors: list[str] = []
    try:
        raw = json.loads(payload)
    except ValueError as e:
        return {}, [f"payload is not JSON: {e}"]
    if not isinstance(raw, dict):
        return {}, ["payload is not a JSON object"]
    type_ = raw.get("_type")
    expected = {"1": STATEMENT_V1, "0.1": STATEMENT_V0_1}.get(wanted_version or "")
    if expected and type_ != expected:
        errors.append(f"_type is {type_!r}, expected {expected!r}")
    if type_ not in (STATEMENT_V1, STATEMENT_V0_1):
        errors.append(f"_type {type_!r} is not an in-toto Statement v1 or v0.1")
        return raw, errors
    if not isinstance(raw.get("predicate"), dict):
        errors.append("predicate is not a JSON object (in-toto requires one)")
    try:
        pb = json_format.Parse(payload, statement_pb2.Statement())
    except json_format.ParseError as e:
        errors.append(f"in_toto_attestation.v1 Statement: {e}")
        return raw, errors
    if type_ == STATEMENT_V1:
        try:
            Statement.copy_from_pb(pb).validate()
        except ValueError as e:
            errors.append(f"in_toto_attestation.v1 Statement.validate: {e}")
    else:
        if not pb.subject:
            errors.append("v0.1: subject must not be empty")
        for i, s in enumerate(pb.subject):
            if not s.name:
                errors.append(f"v0.1: subject {i} has no name")
            if not s.digest:
                errors.append(f"v0.1: subject {i} has no digest")
        if not pb.predicate_type:
            errors.append("v0.1: predicateType required")
    if pb.predicate_type and not is_uri(pb.predicate_type):
        errors.append(f"predicateType {pb.predicate_type!r} is not a URI")
    for i, s in enumerate(pb.subject):
        for algorithm, value in s.digest.items():
            if algorithm == "sha256" and not SHA256_HEX.match(value):
                errors.append(f"subject {i}: sha256 {value!r} is not 64 lowercase hex digits")
    return raw, errors


def verify(args: argparse.Namespace) -> dict:
    verdict: dict = {
        "file": args.envelope,
        "ok": False,
        "checks": {},
        "errors": [],
        "tools": {
            p: version(p)
            for p in ("securesystemslib", "in-toto", "in-toto-attestation", "cryptography")
        },
    }

    def fail(check: str, message: str) -> dict:
        verdict["checks"][check] = False
        verdict["errors"].append(f"{check}: {message}")
        return verdict

    with open(args.key, "rb") as f:
        key = load_key(f.read())
    with open(args.envelope, "rb") as f:
        doc = json.load(f)
    if isinstance(doc, dict) and isinstance(doc.get("dsseEnvelope"), dict):
        doc = doc["dsseEnvelope"]
        # A bundle's envelope is protobuf JSON, which leaves out the empty
        # keyid (DSSE makes keyid optional); securesystemslib requires one.
        for signature in doc.get("signatures") or []:
            if isinstance(signature, dict):
                signature.setdefault("keyid", "")
    try:
        envelope = InTotoEnvelope.from_dict(copy.deepcopy(doc))
    except (KeyError, ValueError, TypeError) as e:
        return fail("envelope", f"not a DSSE envelope: {type(e).__name__}: {e}")
    verdict["signatures"] = len(doc.get("signatures", []))
    if envelope.payload_type != ENVELOPE_PAYLOAD_TYPE:
        return fail(
            "envelope",
            f"payloadType {envelope.payload_type!r}, expected {ENVELOPE_PAYLOAD_TYPE!r}",
        )
    verdict["checks"]["envelope"] = True
    try:
        envelope.verify(keys_for(key, envelope), threshold=1)
    except (VerificationError, ValueError) as e:
        return fail("signature", f"{type(e).__name__}: {e}")
    verdict["checks"]["signature"] = True

    statement, errors = check_statement(envelope.payload, args.statement_version)
    verdict["statement"] = {
        "_type": statement.get("_type"),
        "predicateType": statement.get("predicateType"),
        "subject": statement.get("subject"),
    }
    if errors:
        for e in errors:
            fail("statement", e)
        return verdict
    verdict["checks"]["statement"] = True

    if args.subject_digest:
        algorithm, _, value = args.subject_digest.partition(":")
        if not any(s.get("digest", {}).get(algorithm) == value for s in statement["subject"]):
            return fail("subject", f"no subject has digest {args.subject_digest}")
        verdict["checks"]["subject"] = True
    if args.predicate_type:
        if statement.get("predicateType") != args.predicate_type:
            return fail(
                "predicate type",
                f"{statement.get('predicateType')!r}, expected {args.predicate_type!r}",
            )
        verdict["checks"]["predicate type"] = True
    verdict["ok"] = True
    return verdict


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--key", required=True, help="PKIX PUBLIC KEY PEM (cosign.pub)")
    parser.add_argument("--statement-version", choices=["1", "0.1"])
    parser.add_argument("--subject-digest", help="sha256:HEX a subject must have")
    parser.add_argument("--predicate-type", help="the predicate type URI expected")
    parser.add_argument("envelope", help="DSSE envelope or Sigstore bundle JSON")
    args = parser.parse_args()
    verdict = verify(args)
    print(json.dumps(verdict, sort_keys=True))
    return 0 if verdict["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
