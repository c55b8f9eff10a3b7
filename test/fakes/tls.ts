// Test-only TLS material: a throwaway CA plus a leaf for localhost/127.0.0.1.
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

let cached: Material | undefined;

function newKeyPair(): forge.pki.rsa.KeyPair {
  // Node's native generator is ~100x faster than forge's pure-JS one.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const priv = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
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

function generate(): Material {
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

  const leafKeys = newKeyPair();
  const leaf = baseCert(leafKeys.publicKey, 29);
  leaf.setSubject([{ name: 'commonName', value: 'localhost' }]);
  leaf.setIssuer(caName);
  leaf.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  leaf.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(ca),
    key: forge.pki.privateKeyToPem(leafKeys.privateKey),
    cert: forge.pki.certificateToPem(leaf),
  };
}

/** Returns the process-wide test CA + localhost leaf, writing `ca.pem` into `dir`. */
export function testTls(dir: string): TestTls {
  cached ??= generate();
  fs.mkdirSync(dir, { recursive: true });
  const caPath = path.join(dir, 'ca.pem');
  fs.writeFileSync(caPath, cached.caPem);
  return { caPath, ...cached };
}
