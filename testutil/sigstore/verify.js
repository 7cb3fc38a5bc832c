// Independent verification of a Sigstore bundle with sigstore-js
// (@sigstore/verify), for sbomctl's keyless-signing tests.
//
// Usage: node verify.js TRUSTED_ROOT BUNDLE ARTIFACT IDENTITY ISSUER
// Exits 0 and prints `verified` when the bundle verifies (one tlog entry and
// one CT log SCT required, as sigstore-js's defaults); otherwise prints the
// error and exits 1.
'use strict';

const fs = require('fs');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');

const [rootPath, bundlePath, artifactPath, identity, issuer] = process.argv.slice(2);
try {
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(rootPath, 'utf8')));
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
  const verifier = new Verifier(toTrustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
  const entity = toSignedEntity(bundle, fs.readFileSync(artifactPath));
  verifier.verify(entity, { subjectAlternativeName: identity, extensions: { issuer } });
  process.stdout.write('verified\n');
} catch (e) {
  process.stdout.write(`${e.name}: ${e.code || ''} ${e.message}\n`);
  process.exit(1);
}
