// A local Sigstore instance for sbomctl's keyless-signing tests.
//
// It serves sigstore-js's own mock services (npm @sigstore/mock: real keys,
// real certificates, real SETs, inclusion proofs, checkpoints and RFC 3161
// responses) over HTTP on 127.0.0.1, adds the checks the mock lacks and the
// request shapes cosign and sigstore-python send (docs/attestation.md,
// "Keyless signing"), issues test OIDC tokens, and writes the trust files of
// this run.
//
// Usage: node server.js OUT_DIR
// NODE_PATH must name the node_modules that holds @sigstore/mock (installed by
// scripts/test.sh into target/sigstore-mock). Writes OUT_DIR/trusted_root.json,
// OUT_DIR/signing_config.json and OUT_DIR/trust_config.json (sigstore-python's
// client trust config), then prints one line `ready http://127.0.0.1:PORT`.
//
// Routes (a prefix /status/NNN/ in front of any service path makes that
// service answer NNN, for the failure-path tests; a prefix /fault/NAME/ makes
// it answer wrongly, see FAULTS below):
//   POST /api/v2/signingCert   Fulcio v2
//   POST /api/v1/log/entries   Rekor v1
//   POST /api/v2/log/entries   Rekor v2 stand-in (hashedrekord 0.0.2, written here, not the mock)
//   POST /api/v1/timestamp     timestamp authority (DER TimeStampReq or sigstore-js JSON)
//   GET  /oidc/token?sub=URI&aud=sigstore&ttl=SECONDS&iss=URL   a signed test identity token
//   GET  /github/token?audience=A   GitHub Actions' token request (bearer github-actions-request-token)
//   GET  /oidc/.well-known/openid-configuration, /oidc/jwks
// Besides trusted_root.json (which names both logs), it writes
// signing_config_rekor_v2.json and trust_config_rekor_v2.json, whose only
// Rekor is the v2 stand-in.
'use strict';

require('reflect-metadata');
const http = require('http');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const asn1js = require('asn1js');
const pkijs = require('pkijs');
const jose = require('jose');
const x509 = require('@peculiar/x509');
const mock = require('@sigstore/mock');

// The mock's TSA writes the request's nonce with `new asn1js.Integer({ value })`,
// a JS number: a 64-bit nonce from a DER request would lose bits. Requests
// parsed here carry the nonce's DER bytes instead, written back unchanged.
const NonceBytes = Symbol('nonce bytes');
const OriginalInteger = asn1js.Integer;
class ExactInteger extends OriginalInteger {
  constructor(params = {}) {
    if (params.value && params.value[NonceBytes]) {
      super({ valueHex: params.value[NonceBytes] });
    } else {
      super(params);
    }
  }
}
asn1js.Integer = ExactInteger;

const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_SHA384 = '2.16.840.1.101.3.4.2.2';
const OID_SHA512 = '2.16.840.1.101.3.4.2.3';
const OID_TSA_POLICY = '1.3.6.1.4.1.57264.2';
const MAX_BODY = 4 * 1024 * 1024;
// What the tests pass as ACTIONS_ID_TOKEN_REQUEST_TOKEN.
const GITHUB_REQUEST_TOKEN = 'github-actions-request-token';

function b64(buf) {
  return Buffer.from(buf).toString('base64');
}

function spkiDer(keyObject) {
  return keyObject.export({ format: 'der', type: 'spki' });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function pemToDer(pem) {
  return Buffer.from(pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s/g, ''), 'base64');
}

function derToPem(der, label) {
  const lines = b64(der).match(/.{1,64}/g) || [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// What /fault/NAME/ does to the answer of the service behind it: Fulcio
// issues a certificate for another identity, issuer or key; Rekor answers an
// entry whose signed entry timestamp or inclusion proof does not verify.
const FAULTS = [
  'fulcio-other-identity',
  'fulcio-other-issuer',
  'fulcio-other-key',
  'rekor-bad-set',
  'rekor-bad-proof',
];

// An unsigned JWT with these claims: the mock CA only decodes the token.
function unsignedJwt(claims) {
  const part = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

// Flips the last byte of a base64 or hex string's decoded value.
function corrupt(text, encoding) {
  const bytes = Buffer.from(text, encoding);
  bytes[bytes.length - 1] ^= 0x01;
  return bytes.toString(encoding);
}

// RFC 6962 Merkle tree hashing (§2.1), for the Rekor v2 stand-in.
function sha256(...parts) {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}
function largestPowerOfTwoBelow(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function merkleRoot(leaves) {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0];
  const k = largestPowerOfTwoBelow(leaves.length);
  return sha256(Buffer.from([1]), merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}
// PATH(m, D[n]): the audit path of leaf m, leaf-side first.
function auditPath(m, leaves) {
  if (leaves.length <= 1) return [];
  const k = largestPowerOfTwoBelow(leaves.length);
  if (m < k) return [...auditPath(m, leaves.slice(0, k)), merkleRoot(leaves.slice(k))];
  return [...auditPath(m - k, leaves.slice(k)), merkleRoot(leaves.slice(0, k))];
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function main() {
  const outDir = process.argv[2];
  if (!outDir) throw new Error('usage: node server.js OUT_DIR');

  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const issuer = `${base}/oidc`;
  const start = new Date(Date.now() - 60_000);

  // Keys are new at every start; the trust files below name them.
  const fulcioKeys = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const rekorKeys = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const tsaKeys = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  // Rekor v2 stand-in: an Ed25519 log key, as the public-good v2 logs have;
  // its log ID is the signed-note key ID of the origin and key (C2SP
  // signed-note), whose first four bytes are the checkpoint's key hint.
  const rekorV2Keys = crypto.generateKeyPairSync('ed25519');
  const rekorV2Origin = new URL(base).host;
  const rekorV2Raw = spkiDer(rekorV2Keys.publicKey).subarray(-32);
  const rekorV2LogId = sha256(Buffer.from(`${rekorV2Origin}\n`), Buffer.from([1]), rekorV2Raw);
  const rekorV2Leaves = [];
  const oidcKeys = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const oidcJwk = { ...oidcKeys.publicKey.export({ format: 'jwk' }), kid: 'test', alg: 'ES256', use: 'sig' };

  const ctlog = await mock.initializeCTLog(fulcioKeys);
  const ca = await mock.initializeCA(fulcioKeys, ctlog);
  const fulcio = mock.fulcioHandler(ca);
  const tlog = await mock.initializeTLog(base, rekorKeys);
  const rekor = mock.rekorHandler(tlog);
  const tsa = await mock.initializeTSA(tsaKeys);
  // asn1js writes GeneralizedTime fractions without trailing zeros
  // (`.5Z`), which sigstore-js's own parser refuses (it wants three digits):
  // about one timestamp in ten would fail there. Whole seconds have no
  // fraction at all.
  tsa.getCurrentTime = () => {
    const now = new Date();
    now.setUTCMilliseconds(0);
    return now;
  };

  // --- Fulcio: token from the Authorization header or the body; the token's
  // signature, issuer, audience and expiry; proof of possession.
  async function signingCert(req, body, fault) {
    let json;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw new HttpError(400, `request body is not JSON: ${e.message}`);
    }
    const auth = req.headers['authorization'] || '';
    const token = auth.startsWith('Bearer ')
      ? auth.slice('Bearer '.length).trim()
      : json.credentials && json.credentials.oidcIdentityToken;
    if (!token) throw new HttpError(401, 'no identity token');
    let claims;
    try {
      ({ payload: claims } = await jose.jwtVerify(token, oidcKeys.publicKey, {
        issuer,
        audience: 'sigstore',
        algorithms: ['ES256'],
      }));
    } catch (e) {
      throw new HttpError(401, `identity token rejected: ${e.message}`);
    }
    if (typeof claims.sub !== 'string' || claims.sub === '') {
      throw new HttpError(400, 'identity token has no subject');
    }
    let publicKeyPem;
    if (json.publicKeyRequest) {
      publicKeyPem = json.publicKeyRequest.publicKey && json.publicKeyRequest.publicKey.content;
      const proof = json.publicKeyRequest.proofOfPossession;
      if (!publicKeyPem || !proof) throw new HttpError(400, 'publicKeyRequest needs publicKey.content and proofOfPossession');
      let ok = false;
      try {
        const key = crypto.createPublicKey(publicKeyPem);
        ok = crypto.verify('sha256', Buffer.from(claims.sub, 'utf8'), key, Buffer.from(proof, 'base64'));
      } catch (e) {
        throw new HttpError(400, `public key: ${e.message}`);
      }
      if (!ok) throw new HttpError(400, 'proof of possession does not verify: the signature over the token subject does not match the public key');
    } else if (json.certificateSigningRequest) {
      // cosign and sigstore-python send base64 of the PEM CSR.
      let pem = json.certificateSigningRequest;
      if (!pem.includes('-----BEGIN')) pem = Buffer.from(pem, 'base64').toString('utf8');
      let csr;
      try {
        csr = new x509.Pkcs10CertificateRequest(pem);
      } catch (e) {
        throw new HttpError(400, `certificate signing request: ${e.message}`);
      }
      if (!(await csr.verify())) throw new HttpError(400, 'certificate signing request signature does not verify');
      publicKeyPem = csr.publicKey.toString('pem');
    } else {
      throw new HttpError(400, 'neither publicKeyRequest nor certificateSigningRequest');
    }
    let issuedToken = token;
    if (fault === 'fulcio-other-identity') {
      issuedToken = unsignedJwt({ ...claims, sub: 'https://github.com/attacker/repo/.github/workflows/release.yml@refs/heads/main' });
    } else if (fault === 'fulcio-other-issuer') {
      issuedToken = unsignedJwt({ ...claims, iss: 'https://issuer.attacker.example' });
    } else if (fault === 'fulcio-other-key') {
      publicKeyPem = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'pem', type: 'spki' });
    }
    const mockBody = JSON.stringify({
      credentials: { oidcIdentityToken: issuedToken },
      publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: publicKeyPem } },
    });
    return fulcio.fn(mockBody);
  }

  // --- Rekor v1: the mock logs the canonicalised request; real Rekor logs a
  // canonical body per kind. hashedrekord's request already has that shape;
  // dsse's is converted here.
  async function logEntry(body, fault) {
    let entry;
    try {
      entry = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw new HttpError(400, `request body is not JSON: ${e.message}`);
    }
    if (entry.kind === 'dsse' && entry.spec && entry.spec.proposedContent) {
      const envelopeText = entry.spec.proposedContent.envelope;
      const verifiers = entry.spec.proposedContent.verifiers || [];
      const envelope = JSON.parse(envelopeText);
      const payload = Buffer.from(envelope.payload, 'base64');
      entry = {
        apiVersion: entry.apiVersion,
        kind: 'dsse',
        spec: {
          envelopeHash: { algorithm: 'sha256', value: crypto.createHash('sha256').update(envelopeText).digest('hex') },
          payloadHash: { algorithm: 'sha256', value: crypto.createHash('sha256').update(payload).digest('hex') },
          signatures: (envelope.signatures || []).map((s, i) => ({ signature: s.sig, verifier: verifiers[i] || verifiers[0] })),
        },
      };
    } else if (entry.kind !== 'hashedrekord') {
      throw new HttpError(400, `unsupported entry kind ${JSON.stringify(entry.kind)}`);
    }
    const result = await rekor.fn(JSON.stringify(entry));
    if ((fault === 'rekor-bad-set' || fault === 'rekor-bad-proof') && result.statusCode === 201) {
      const answer = JSON.parse(result.response);
      for (const logged of Object.values(answer)) {
        const v = logged.verification;
        if (fault === 'rekor-bad-set') {
          v.signedEntryTimestamp = corrupt(v.signedEntryTimestamp, 'base64');
        } else {
          v.inclusionProof.rootHash = corrupt(v.inclusionProof.rootHash, 'hex');
        }
      }
      result.response = JSON.stringify(answer);
    }
    return result;
  }

  // --- Rekor v2 stand-in: one growing RFC 6962 tree of hashedrekord 0.0.2
  // entries, each answer a TransparencyLogEntry with an inclusion proof and
  // a checkpoint signed as a C2SP signed note (no SET, no integrated time:
  // a Rekor v2 entry's time comes from a timestamp authority).
  async function logEntryV2(body) {
    let request;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw new HttpError(400, `request body is not JSON: ${e.message}`);
    }
    const r = request.hashedRekordRequestV002;
    if (!r || !r.digest || !r.signature || !r.signature.content || !r.signature.verifier) {
      throw new HttpError(400, 'expected hashedRekordRequestV002 with digest and signature {content, verifier}');
    }
    const verifier = r.signature.verifier;
    const certDer = verifier.x509Certificate && verifier.x509Certificate.rawBytes;
    if (!certDer) throw new HttpError(400, 'verifier has no x509Certificate.rawBytes');
    // Real Rekor v2 also verifies the signature over the digest; Node has
    // no ECDSA verification of a prehashed digest, so (as with the mock's
    // Rekor v1) it is not checked here: the verifiers check it.
    try {
      new crypto.X509Certificate(Buffer.from(certDer, 'base64'));
    } catch (e) {
      throw new HttpError(400, `verifier certificate: ${e.message}`);
    }
    const entry = {
      apiVersion: '0.0.2',
      kind: 'hashedrekord',
      spec: {
        hashedRekordV002: {
          data: { algorithm: 'SHA2_256', digest: r.digest },
          signature: { content: r.signature.content, verifier },
        },
      },
    };
    const canonical = Buffer.from(JSON.stringify(entry));
    const index = rekorV2Leaves.length;
    rekorV2Leaves.push(sha256(Buffer.from([0]), canonical));
    const size = rekorV2Leaves.length;
    const root = merkleRoot(rekorV2Leaves);
    const note = `${rekorV2Origin}\n${size}\n${b64(root)}\n`;
    const signature = crypto.sign(null, Buffer.from(note), rekorV2Keys.privateKey);
    const checkpoint = `${note}\n\u2014 ${rekorV2Origin} ${b64(Buffer.concat([rekorV2LogId.subarray(0, 4), signature]))}\n`;
    const answer = {
      logIndex: String(index),
      logId: { keyId: b64(rekorV2LogId) },
      kindVersion: { kind: 'hashedrekord', version: '0.0.2' },
      inclusionProof: {
        logIndex: String(index),
        rootHash: b64(root),
        treeSize: String(size),
        hashes: auditPath(index, rekorV2Leaves).map(b64),
        checkpoint: { envelope: checkpoint },
      },
      canonicalizedBody: b64(canonical),
    };
    return { statusCode: 201, response: JSON.stringify(answer), contentType: 'application/json' };
  }

  // --- TSA: DER TimeStampReq (cosign, sigstore-python, sbomctl) or the
  // sigstore-js JSON request.
  async function timestamp(req, body) {
    const type = (req.headers['content-type'] || '').split(';')[0].trim();
    let tsr;
    if (type === 'application/json') {
      const json = JSON.parse(body.toString('utf8'));
      tsr = {
        artifactHash: Buffer.from(json.artifactHash, 'base64'),
        hashAlgorithmOID: /512/.test(json.hashAlgorithm) ? OID_SHA512 : /384/.test(json.hashAlgorithm) ? OID_SHA384 : OID_SHA256,
        nonce: json.nonce || 1234567890,
        policyOID: json.tsaPolicyOID || OID_TSA_POLICY,
        certReq: json.certificates ?? false,
      };
    } else {
      let parsed;
      try {
        const ab = body.buffer.slice(body.byteOffset, body.byteOffset + body.length);
        parsed = pkijs.TimeStampReq.fromBER(ab);
      } catch (e) {
        throw new HttpError(400, `TimeStampReq: ${e.message}`);
      }
      const algorithm = parsed.messageImprint.hashAlgorithm.algorithmId;
      if (![OID_SHA256, OID_SHA384, OID_SHA512].includes(algorithm)) {
        throw new HttpError(400, `unsupported hash algorithm ${algorithm}`);
      }
      const nonce = parsed.nonce
        ? { [NonceBytes]: Buffer.from(parsed.nonce.valueBlock.valueHexView) }
        : undefined;
      tsr = {
        artifactHash: Buffer.from(parsed.messageImprint.hashedMessage.valueBlock.valueHexView),
        hashAlgorithmOID: algorithm,
        nonce,
        policyOID: parsed.reqPolicy || OID_TSA_POLICY,
        certReq: parsed.certReq ?? false,
      };
    }
    const response = await tsa.timestamp(tsr);
    return { statusCode: 200, response, contentType: 'application/timestamp-reply' };
  }

  async function oidcToken(url) {
    const q = url.searchParams;
    const sub = q.get('sub') || 'https://github.com/example/repo/.github/workflows/release.yml@refs/heads/main';
    const ttl = Number(q.get('ttl') || '600');
    const now = Math.floor(Date.now() / 1000);
    const claims = JSON.parse(q.get('claims') || '{}');
    const jwt = await new jose.SignJWT({ ...claims, sub })
      .setProtectedHeader({ alg: 'ES256', kid: 'test', typ: 'JWT' })
      .setIssuer(q.get('iss') || issuer)
      .setAudience(q.get('aud') || 'sigstore')
      .setIssuedAt(Math.min(now, now + ttl - 60))
      .setNotBefore(Math.min(now, now + ttl - 60))
      .setExpirationTime(now + ttl)
      .sign(oidcKeys.privateKey);
    return { statusCode: 200, response: jwt, contentType: 'text/plain' };
  }

  async function route(req, body) {
    const url = new URL(req.url, base);
    let p = url.pathname;
    let fault;
    const faulty = /^\/fault\/([a-z0-9-]+)(\/.*)$/.exec(p);
    if (faulty) {
      if (!FAULTS.includes(faulty[1])) throw new HttpError(404, `no fault ${faulty[1]}`);
      [, fault, p] = faulty;
    }
    const forced = /^\/status\/(\d{3})(\/.*)$/.exec(p);
    if (forced) {
      const status = Number(forced[1]);
      return {
        statusCode: status,
        response: JSON.stringify({ code: status, message: `forced failure ${status} for ${forced[2]}` }),
        contentType: 'application/json',
      };
    }
    if (req.method === 'GET' && p === '/oidc/token') return oidcToken(url);
    if (req.method === 'GET' && p === '/github/token') {
      // GitHub Actions' token request endpoint (ACTIONS_ID_TOKEN_REQUEST_URL):
      // bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN, `audience` query parameter,
      // answer {"value": JWT}.
      if ((req.headers['authorization'] || '') !== `bearer ${GITHUB_REQUEST_TOKEN}`) {
        throw new HttpError(401, 'bad ACTIONS_ID_TOKEN_REQUEST_TOKEN');
      }
      const tokenUrl = new URL(`${base}/oidc/token`);
      tokenUrl.searchParams.set('sub', url.searchParams.get('sub') || 'repo:example/repo:ref:refs/heads/main');
      tokenUrl.searchParams.set('aud', url.searchParams.get('audience') || 'https://github.com/example');
      const jwt = await oidcToken(tokenUrl);
      return { statusCode: 200, response: JSON.stringify({ value: jwt.response }), contentType: 'application/json' };
    }
    if (req.method === 'GET' && p === '/oidc/.well-known/openid-configuration') {
      return { statusCode: 200, response: JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }), contentType: 'application/json' };
    }
    if (req.method === 'GET' && p === '/oidc/jwks') {
      return { statusCode: 200, response: JSON.stringify({ keys: [oidcJwk] }), contentType: 'application/json' };
    }
    if (req.method === 'POST' && p === '/api/v2/signingCert') return signingCert(req, body, fault);
    if (req.method === 'POST' && p === '/api/v1/log/entries') return logEntry(body, fault);
    if (req.method === 'POST' && p === '/api/v2/log/entries') return logEntryV2(body);
    if (req.method === 'POST' && p === '/api/v1/timestamp') return timestamp(req, body);
    throw new HttpError(404, `no route for ${req.method} ${p}`);
  }

  server.on('request', async (req, res) => {
    let result;
    try {
      const body = await readBody(req);
      result = await route(req, body);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      result = { statusCode: status, response: JSON.stringify({ code: status, message: e.message }), contentType: 'application/json' };
    }
    const response = typeof result.response === 'string' ? Buffer.from(result.response) : Buffer.from(result.response.buffer, result.response.byteOffset, result.response.byteLength);
    res.writeHead(result.statusCode, { 'Content-Type': result.contentType || 'text/plain', 'Content-Length': response.length });
    res.end(response);
  });

  // --- trust files of this run
  const validFor = { start: start.toISOString() };
  const rekorSpki = spkiDer(rekorKeys.publicKey);
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: base,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(rekorSpki), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor },
        logId: { keyId: b64(crypto.createHash('sha256').update(rekorSpki).digest()) },
      },
      {
        baseUrl: base,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(spkiDer(rekorV2Keys.publicKey)), keyDetails: 'PKIX_ED25519', validFor },
        logId: { keyId: b64(rekorV2LogId) },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: base,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor,
      },
    ],
    ctlogs: [
      {
        baseUrl: base,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor },
        logId: { keyId: b64(ctlog.logID) },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore-tsa' },
        uri: `${base}/api/v1/timestamp`,
        certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
        validFor,
      },
    ],
  };
  const service = (url) => ({ url, majorApiVersion: 1, validFor, operator: 'sbomctl-tests' });
  const signingConfig = {
    mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
    caUrls: [service(base)],
    oidcUrls: [service(issuer)],
    rekorTlogUrls: [service(base)],
    tsaUrls: [service(`${base}/api/v1/timestamp`)],
    rekorTlogConfig: { selector: 'ANY' },
    tsaConfig: { selector: 'ANY' },
  };
  const trustConfig = {
    mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json',
    trustedRoot,
    signingConfig,
  };
  fs.mkdirSync(outDir, { recursive: true });
  const write = (name, value) => {
    const file = path.join(outDir, name);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 2) + '\n');
    fs.renameSync(`${file}.tmp`, file);
  };
  write('trusted_root.json', trustedRoot);
  write('signing_config.json', signingConfig);
  write('trust_config.json', trustConfig);
  const signingConfigV2 = { ...signingConfig, rekorTlogUrls: [{ ...service(base), majorApiVersion: 2 }] };
  write('signing_config_rekor_v2.json', signingConfigV2);
  write('trust_config_rekor_v2.json', { ...trustConfig, signingConfig: signingConfigV2 });
  process.stdout.write(`ready ${base}\n`);

  // The test process holds our stdin: when it exits, stop.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

main().catch((e) => {
  process.stderr.write(`sigstore test server: ${e.stack || e}\n`);
  process.exit(1);
});
