// An independent check of Comity's transparency log, run against a live
// server by tests/oracle/oracle_test.sh. Sigstore's verifier (npm
// @sigstore/verify, written for Rekor) checks what Comity serves:
//   - the checkpoint: a C2SP signed note over origin, size and root, with an
//     Ed25519 signature whose 4-byte key hint is the note key id;
//   - each of a case's leaves: an RFC 6962 inclusion proof to that root;
// and Node's own crypto recomputes the note key id from the verifier key and
// opens each leaf's salted commitment. Tampered inputs must be rejected.
// Usage: node log_oracle.js BASE_URL OFFICER_TOKEN PROVIDER_TOKEN ADMIN_TOKEN REQUEST_FILE
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const { verifyMerkleInclusion } = require('@sigstore/verify/dist/timestamp/merkle');
const { verifyCheckpoint } = require('@sigstore/verify/dist/timestamp/checkpoint');

const [base, officer, provider, admin, requestFile] = process.argv.slice(2);

async function call(method, path, token, body) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return res.headers.get('content-type').startsWith('application/json') ? JSON.parse(text) : text;
}

function expectThrows(what, fn) {
  try {
    fn();
  } catch (e) {
    return;
  }
  throw new Error(`accepted ${what}`);
}

async function main() {
  // A case with a few events.
  const request = JSON.parse(fs.readFileSync(requestFile, 'utf8'));
  const c = await call('POST', '/api/v1/cases', officer, { request, pathway: 'P_EU_EPOC' });
  for (const event of ['submit', 'mark_ready', 'transmit'])
    await call('POST', `/api/v1/cases/${c.id}/events`, officer, { event });
  await call('POST', `/api/v1/cases/${c.id}/events`, provider, { event: 'acknowledge' });
  const published = await call('POST', '/api/v1/log/checkpoint', admin, {});

  // The verifier key, and the note key id recomputed from it.
  const info = await call('GET', '/api/v1/log');
  const [name, idHex, keyB64] = [info.verifier_key.split('+')[0], info.verifier_key.split('+')[1],
                                 info.verifier_key.split('+').slice(2).join('+')];
  const material = Buffer.from(keyB64, 'base64');
  if (material.length !== 33 || material[0] !== 1) throw new Error('verifier key is not an Ed25519 note key');
  const pub = material.subarray(1);
  const keyId = crypto.createHash('sha256')
                    .update(Buffer.concat([Buffer.from(name + '\n'), Buffer.from([1]), pub]))
                    .digest()
                    .subarray(0, 4);
  if (keyId.toString('hex') !== idHex) throw new Error(`key id ${idHex} is not SHA-256(name, 0x01, key)[:4]`);
  const tlog = {
    logID: Buffer.concat([keyId, Buffer.alloc(28)]),
    publicKey: crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pub.toString('base64url') }, format: 'jwk' }),
    validFor: { start: new Date(0), end: new Date(8640000000000000) },
  };

  // The checkpoint served publicly is the one just published; Sigstore checks its signature.
  const note = await call('GET', '/log/checkpoint');
  if (note !== published.checkpoint) throw new Error('the public checkpoint is not the one published');
  const lines = note.split('\n');
  const size = Number(lines[1]);
  const root = Buffer.from(lines[2], 'base64');
  const now = Math.floor(Date.now() / 1000);
  const checkpointEntry = (envelope, rootHash) => ({ integratedTime: String(now), inclusionProof: { checkpoint: { envelope }, rootHash } });
  verifyCheckpoint(checkpointEntry(note, root), [tlog]);
  expectThrows('a checkpoint with another size', () =>
    verifyCheckpoint(checkpointEntry(note.replace(`\n${size}\n`, `\n${size + 1}\n`), root), [tlog]));
  expectThrows('a checkpoint with another root', () => verifyCheckpoint(checkpointEntry(note, Buffer.alloc(32)), [tlog]));

  // The officer's view of the case's leaves: each in the tree, each commitment opened.
  const log = await call('GET', `/api/v1/cases/${c.id}/log`, officer);
  if (log.checkpoint !== note || log.entries.length !== 5) throw new Error(`unexpected case log: ${JSON.stringify(log)}`);
  for (const e of log.entries) {
    const entry = (leaf) => ({
      canonicalizedBody: Buffer.from(leaf),
      inclusionProof: { logIndex: String(e.index), treeSize: String(size), rootHash: root,
                        hashes: e.inclusion_proof.map((h) => Buffer.from(h, 'hex')) },
    });
    verifyMerkleInclusion(entry(e.leaf));
    expectThrows(`leaf ${e.index} altered`, () => verifyMerkleInclusion(entry(e.leaf.replace('"v":1', '"v":2'))));
    const commitment = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(e.salt, 'base64'), Buffer.from(e.event)])).digest('hex');
    if (JSON.parse(e.leaf).commitment !== commitment) throw new Error(`leaf ${e.index}: the salt does not open the commitment`);
    if (e.leaf.includes(c.id)) throw new Error(`leaf ${e.index} names the case`);
  }
  console.log(`ok: checkpoint of ${size} leaves and ${log.entries.length} inclusion proofs verified by @sigstore/verify`);
}

main().catch((e) => {
  console.error(`FAIL: ${e.message}`);
  process.exit(1);
});
