// Independent keyless signing with sigstore-js (@sigstore/sign), for
// sbomctl's reverse cross-check: a bundle sigstore-js writes against the
// local services must pass sbomctl's verify-blob.
//
// Usage: node sign.js SIGNING_CONFIG TOKEN ARTIFACT BUNDLE_OUT
// Builds the services from the signing config (v0.2) as sigstore-js does
// (Fulcio, Rekor v1, timestamp authority), signs ARTIFACT as a message
// signature and writes the bundle JSON to BUNDLE_OUT; exits 1 with the
// error otherwise.
'use strict';

const fs = require('fs');
const { bundleBuilderFromSigningConfig } = require('@sigstore/sign');
const { bundleToJSON } = require('@sigstore/bundle');
const { SigningConfig } = require('@sigstore/protobuf-specs');

const [configPath, token, artifactPath, bundlePath] = process.argv.slice(2);

async function main() {
  const signingConfig = SigningConfig.fromJSON(JSON.parse(fs.readFileSync(configPath, 'utf8')));
  const builder = bundleBuilderFromSigningConfig({
    signingConfig,
    identityProvider: { getToken: async () => token },
    bundleType: 'messageSignature',
    fetchOptions: { retry: 0, timeout: 30000 },
  });
  const bundle = await builder.create({ data: fs.readFileSync(artifactPath) });
  fs.writeFileSync(bundlePath, JSON.stringify(bundleToJSON(bundle)));
  process.stdout.write('signed\n');
}

main().catch((e) => {
  process.stdout.write(`${e.name}: ${e.code || ''} ${e.message}${e.cause ? ` (${e.cause.message})` : ''}\n`);
  process.exit(1);
});
