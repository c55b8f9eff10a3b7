// Test-only TLS material: a throwaway CA plus a leaf for localhost/127.0.0.1 (and, on request, more
// host names: the fake's network alias when it runs in its own container).
// Codex (rustls) only talks HTTPS/WSS to the ChatGPT backend, so the fake needs a cert
// that Codex trusts through CODEX_CA_CERTIFICATE.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import forge from 'node-forge';

export interface TestTls {
  /** Absolute path of the CA certificate (PEM) to hand to CODEX_CA_CERTIFICATE. */
  caPath: string;
  /** PEM of the CA certificate. */
  caPem: string;
  /** PEM private key of the leaf. */
  key: string;
  /** PEM leaf certificate (localhost, 127.0.0.1), signed by the CA. */
  cert: string;
}

interface Material {
  caPem: string;
  key: string;
  cert: string;
}

interface Ca {
  pem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

export interface TestTlsOptions {
  /** DNS names the leaf is valid for besides localhost and 127.0.0.1 (e.g. "fake-chatgpt"). */
  extraHostnames?: string[];
}

let cachedCa: Ca | undefined;
/** Leaves by their sorted extra host names ("" = localhost only); all signed by the one CA. */
const cachedLeaves = new Map<string, { key: string; cert: string }>();

function newKeyPair(): forge.pki.rsa.KeyPair {
  // Node's native generator is ~100x faster than forge's pure-JS one.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const priv = forge.pki.privateKeyFromPem(pem);
  return { privateKey: priv, publicKey: forge.pki.setRsaPublicKey(priv.n, priv.e) };
}

function baseCert(publicKey: forge.pki.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive serial: a leading 0x00..0x7f byte keeps the DER INTEGER non-negative.
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + days * 24 * 60 * 60 * 1000);
  return cert;
}

function generateCa(): Ca {
  const caKeys = newKeyPair();
  const ca = baseCert(caKeys.publicKey, 30);
  const caName = [{ name: 'commonName', value: 'codex-lanes test CA' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());
  return { pem: forge.pki.certificateToPem(ca), cert: ca, key: caKeys.privateKey };
}

function generateLeaf(ca: Ca, extraHostnames: string[]): { key: string; cert: string } {
  const leafKeys = newKeyPair();
  const leaf = baseCert(leafKeys.publicKey, 29);
  leaf.setSubject([{ name: 'commonName', value: 'localhost' }]);
  leaf.setIssuer(ca.cert.subject.attributes);
  leaf.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        ...extraHostnames.map((value) => ({ type: 2, value })),
      ],
    },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  leaf.sign(ca.key, forge.md.sha256.create());
  return { key: forge.pki.privateKeyToPem(leafKeys.privateKey), cert: forge.pki.certificateToPem(leaf) };
}

function material(extraHostnames: string[]): Material {
  for (const h of extraHostnames) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(h)) throw new Error(`not a DNS name: ${JSON.stringify(h)}`);
  }
  cachedCa ??= generateCa();
  const id = [...new Set(extraHostnames)].sort().join(',');
  let leaf = cachedLeaves.get(id);
  if (!leaf) {
    leaf = generateLeaf(cachedCa, id ? id.split(',') : []);
    cachedLeaves.set(id, leaf);
  }
  return { caPem: cachedCa.pem, ...leaf };
}

/**
 * Returns the process-wide test CA + a leaf for localhost (plus `extraHostnames`), writing `ca.pem`
 * into `dir`. Every leaf of a process is signed by the same CA.
 */
export function testTls(dir: string, opts: TestTlsOptions = {}): TestTls {
  const m = material(opts.extraHostnames ?? []);
  fs.mkdirSync(dir, { recursive: true });
  const caPath = path.join(dir, 'ca.pem');
  fs.writeFileSync(caPath, m.caPem);
  return { caPath, ...m };
}
