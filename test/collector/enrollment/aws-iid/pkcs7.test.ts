/**
 * PKCS#7 verification of instance identity documents. Signatures are made by `openssl smime`
 * (bin/demo/iid-signer.ts) with test keys, in the encoding IMDS serves (BER, attached content,
 * no certificates); the real AWS certificate kiln ships is checked for what it is.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createIidSigner } from '../../../../bin/demo/iid-signer.ts';
import {
  awsDsaCertificatePem,
  loadTrustedCertificates,
} from '../../../../collector/enrollment/aws-iid/certificates.ts';
import { decodePkcs7Text, verifyPkcs7 } from '../../../../collector/enrollment/aws-iid/pkcs7.ts';
import { verifyAttestation } from '../../../../collector/enrollment/aws-iid/verify.ts';

const dsa = createIidSigner('dsa');
const rsa = createIidSigner('rsa');
const stranger = createIidSigner('dsa', '/C=US/O=not trusted');
afterAll(() => {
  for (const s of [dsa, rsa, stranger]) s.dispose();
});
const trusted = [
  new X509Certificate(readFileSync(dsa.certFile)),
  new X509Certificate(readFileSync(rsa.certFile)),
];
const now = Date.now();
const document = JSON.stringify(
  {
    accountId: '123456789012',
    availabilityZone: 'eu-west-1a',
    imageId: 'ami-0a1b2c3d4e5f60718',
    instanceId: 'i-0123456789abcdef0',
    instanceType: 't3.micro',
    pendingTime: '2026-12-01T10:00:00Z',
    region: 'eu-west-1',
    version: '2017-09-30',
  },
  null,
  2,
);

function der(pkcs7: string): Buffer {
  return decodePkcs7Text(pkcs7)!;
}

describe('verifyPkcs7', () => {
  it.each([
    ['DSA-SHA1 (the pkcs7 signature)', dsa],
    ['RSA-SHA256 (the rsa2048 signature)', rsa],
  ])('verifies a %s and returns the signed document', (_name, signer) => {
    const outcome = verifyPkcs7(der(signer.sign(document)), trusted, now);
    expect(outcome.ok).toBe(true);
    if (outcome.ok) {
      expect(outcome.content.toString()).toBe(document);
      expect(outcome.signer.subject).toContain('kiln test signer');
    }
  });

  it('verifies the DER form and a signature without signed attributes', () => {
    const dir = tmpdir();
    const input = join(dir, `kiln-p7-doc-${process.pid}.json`);
    writeFileSync(input, document);
    const signerKey = dsa.certFile.replace('signer.pem', 'signer.key');
    const derOut = execFileSync('openssl', [
      'smime',
      '-sign',
      '-in',
      input,
      '-signer',
      dsa.certFile,
      '-inkey',
      signerKey,
      '-md',
      'sha1',
      '-nodetach',
      '-nocerts',
      '-binary',
      '-noattr',
      '-outform',
      'DER',
    ]);
    const outcome = verifyPkcs7(derOut, trusted, now);
    expect(outcome).toMatchObject({ ok: true });
  });

  it('refuses a signature by a key it does not trust', () => {
    expect(verifyPkcs7(der(stranger.sign(document)), trusted, now)).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'the signature does not verify with any trusted certificate',
    });
  });

  it('refuses a document altered inside the signature', () => {
    const signed = der(dsa.sign(document));
    const at = signed.indexOf(Buffer.from('i-0123456789abcdef0'));
    expect(at).toBeGreaterThan(0);
    signed.write('i-0ffffffffffffffff', at);
    expect(verifyPkcs7(signed, trusted, now)).toMatchObject({ ok: false, code: 'digest_mismatch' });
  });

  it('refuses when no trusted certificate of the key type is valid now', () => {
    const later = Date.parse('2040-01-01T00:00:00Z');
    expect(verifyPkcs7(der(dsa.sign(document)), trusted, later)).toMatchObject({
      ok: false,
      code: 'unknown_signer',
    });
    expect(verifyPkcs7(der(dsa.sign(document)), [trusted[1]!], now)).toMatchObject({
      ok: false,
      code: 'unknown_signer',
    });
  });

  it.each([
    [Buffer.from('not a signature at all'), 'malformed'],
    [Buffer.alloc(0), 'malformed'],
    [Buffer.alloc(20_000, 0x30), 'malformed'],
  ])('refuses garbage (%#) as malformed', (bytes, code) => {
    expect(verifyPkcs7(bytes, trusted, now)).toMatchObject({ ok: false, code });
  });
});

describe('verifyAttestation', () => {
  it('reads the attested instance from the signed content', () => {
    expect(verifyAttestation({ document, pkcs7: dsa.sign(document) }, trusted, now)).toEqual({
      ok: true,
      instance: {
        instanceId: 'i-0123456789abcdef0',
        imageId: 'ami-0a1b2c3d4e5f60718',
        accountId: '123456789012',
        region: 'eu-west-1',
        availabilityZone: 'eu-west-1a',
        instanceType: 't3.micro',
        launchTime: '2026-12-01T10:00:00.000Z',
      },
    });
  });

  it('refuses a document edited after it was signed (a victim id beside the real signature)', () => {
    const forged = document.replace('i-0123456789abcdef0', 'i-0victim000000000');
    expect(verifyAttestation({ document: forged, pkcs7: dsa.sign(document) }, trusted, now)).toEqual({
      ok: false,
      code: 'tampered',
      reason: 'the identity document sent differs from the one that was signed',
    });
  });

  it('accepts the same document with different whitespace', () => {
    const compact = JSON.stringify(JSON.parse(document));
    expect(verifyAttestation({ document: compact, pkcs7: dsa.sign(document) }, trusted, now)).toMatchObject({
      ok: true,
    });
  });
});

describe("AWS's certificate", () => {
  it('ships the DSA certificate AWS publishes for pkcs7 signatures, self-signed and valid until 2038', () => {
    const [certificate] = loadTrustedCertificates([], false);
    expect(certificate!.subject).toBe('C=US\nST=Washington State\nL=Seattle\nO=Amazon Web Services LLC');
    expect(certificate!.publicKey.asymmetricKeyType).toBe('dsa');
    expect(certificate!.verify(certificate!.publicKey)).toBe(true);
    expect(certificate!.validTo).toBe('Jan  5 12:56:12 2038 GMT');
    expect(certificate!.fingerprint256).toBe(
      'E3:AA:B1:95:0F:CC:A4:20:84:3F:14:77:B7:01:EE:E1:6D:57:00:DE:DA:F5:12:CA:BB:1C:46:01:61:31:15:9D',
    );
    expect(awsDsaCertificatePem).toContain('BEGIN CERTIFICATE');
  });

  it('adds configured certificates, or replaces the shipped one, and names a bad file', () => {
    expect(loadTrustedCertificates([dsa.certFile], false)).toHaveLength(2);
    expect(loadTrustedCertificates([dsa.certFile], true)).toHaveLength(1);
    expect(() => loadTrustedCertificates(['/nonexistent.pem'], false)).toThrow(
      /enrollment\.aws\.certificateFiles: \/nonexistent\.pem: a readable PEM certificate file/,
    );
  });
});
