/**
 * Verifies a PKCS#7 / CMS SignedData (RFC 5652) over an EC2 instance identity document, as AWS
 * describes for the `pkcs7` and `rsa2048` signatures
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/verify-iid.html): the document is the
 * signed content, the signer is one of AWS's published certificates, and the certificate chain is
 * not walked (AWS's own procedure uses `openssl smime -verify -noverify`: the certificate *is* the
 * trust anchor). PKI.js parses the BER (IMDS serves indefinite-length encoding); node:crypto checks
 * the signature, because WebCrypto has no DSA and AWS signs `pkcs7` with DSA-SHA1.
 * Pure: bytes and certificates in, a typed outcome out.
 */
import { createHash, type KeyObject, verify, type X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { ContentInfo, SignedData, type SignerInfo } from 'pkijs';

/** Why a signature was refused; `code` is stable, `reason` is for people. */
export type Pkcs7Failure =
  | 'malformed'
  | 'unsupported_algorithm'
  | 'digest_mismatch'
  | 'bad_signature'
  | 'unknown_signer';

/** The outcome of a verification. */
export type Pkcs7Outcome =
  | { ok: true; content: Buffer; signer: X509Certificate }
  | { ok: false; code: Pkcs7Failure; reason: string };

/** Largest signature accepted (AWS's are under 2 KiB; a bound keeps hostile input cheap). */
export const maxPkcs7Bytes = 16 * 1024;

const oids = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  contentTypeAttr: '1.2.840.113549.1.9.3',
  messageDigestAttr: '1.2.840.113549.1.9.4',
} as const;

/** Digest algorithm OIDs → node:crypto names. */
const digests: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Signature algorithm OIDs → the key type they need (the digest comes from digestAlgorithm). */
const signatureKeyTypes: Record<string, 'dsa' | 'rsa' | 'ec'> = {
  '1.2.840.10040.4.1': 'dsa',
  '1.2.840.10040.4.3': 'dsa',
  '2.16.840.1.101.3.4.3.2': 'dsa',
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.113549.1.1.5': 'rsa',
  '1.2.840.113549.1.1.11': 'rsa',
  '1.2.840.113549.1.1.12': 'rsa',
  '1.2.840.113549.1.1.13': 'rsa',
  '1.2.840.10045.4.3.2': 'ec',
  '1.2.840.10045.4.3.3': 'ec',
};

/** The DER/BER bytes of a signature as IMDS serves it (base64, with or without PEM armour). */
export function decodePkcs7Text(text: string): Buffer | undefined {
  const body = text.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
  if (body === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  return Buffer.from(body, 'base64');
}

/**
 * Verifies `signature` (DER/BER SignedData) against the trusted certificates at `nowMs` and
 * returns the signed content. A detached signature is checked over `detachedContent`.
 */
export function verifyPkcs7(
  signature: Buffer,
  trusted: readonly X509Certificate[],
  nowMs: number,
  detachedContent?: Buffer,
): Pkcs7Outcome {
  if (signature.length === 0 || signature.length > maxPkcs7Bytes) {
    return fail('malformed', `the signature must be 1 to ${maxPkcs7Bytes} bytes, got ${signature.length}`);
  }
  let signed: SignedData;
  try {
    const parsed = asn1js.fromBER(new Uint8Array(signature));
    if (parsed.offset === -1) return fail('malformed', 'the signature is not BER/DER');
    const info = new ContentInfo({ schema: parsed.result });
    if (info.contentType !== oids.signedData) {
      return fail('malformed', `the signature is a ${info.contentType}, not SignedData`);
    }
    signed = new SignedData({ schema: info.content });
  } catch (error) {
    return fail('malformed', `the signature is not a PKCS#7 SignedData (${(error as Error).message})`);
  }
  if (signed.signerInfos.length !== 1) {
    return fail('malformed', `expected one signer, found ${signed.signerInfos.length}`);
  }
  const content = encapsulatedContent(signed) ?? detachedContent;
  if (!content) return fail('malformed', 'the signature carries no content and none was given');
  const signer = signed.signerInfos[0]!;
  const digestName = digests[signer.digestAlgorithm.algorithmId];
  const keyType = signatureKeyTypes[signer.signatureAlgorithm.algorithmId];
  if (!digestName || !keyType) {
    return fail(
      'unsupported_algorithm',
      `unsupported algorithms (digest ${signer.digestAlgorithm.algorithmId}, signature ${signer.signatureAlgorithm.algorithmId})`,
    );
  }
  const toVerify = signedBytes(signer, content, digestName);
  if ('code' in toVerify) return toVerify;
  const signatureValue = Buffer.from(signer.signature.valueBlock.valueHexView);
  const candidates = trusted.filter((c) => keyTypeOf(c.publicKey) === keyType && validAt(c, nowMs));
  for (const certificate of candidates) {
    if (verifies(digestName, toVerify.bytes, certificate.publicKey, signatureValue)) {
      return { ok: true, content, signer: certificate };
    }
  }
  return candidates.length === 0
    ? fail('unknown_signer', `no trusted ${keyType.toUpperCase()} certificate valid now to check it with`)
    : fail('bad_signature', 'the signature does not verify with any trusted certificate');
}

/** The content inside the SignedData (a primitive or chunked OCTET STRING), if attached. */
function encapsulatedContent(signed: SignedData): Buffer | undefined {
  const encap = signed.encapContentInfo;
  if (encap.eContentType !== oids.data || !encap.eContent) return undefined;
  const octets = encap.eContent;
  if (!octets.idBlock.isConstructed) return Buffer.from(octets.valueBlock.valueHexView);
  const chunks = (octets.valueBlock as unknown as { value: asn1js.OctetString[] }).value;
  return Buffer.concat(chunks.map((c) => Buffer.from(c.valueBlock.valueHexView)));
}

/**
 * What the signature covers: the content itself, or (with signed attributes) the DER SET of the
 * attributes, after checking that their message digest is the content's (RFC 5652 §5.4).
 */
function signedBytes(
  signer: SignerInfo,
  content: Buffer,
  digestName: string,
): { bytes: Buffer } | { ok: false; code: Pkcs7Failure; reason: string } {
  if (!signer.signedAttrs) return { bytes: content };
  const attrs = signer.signedAttrs.attributes;
  const digestAttr = attrs.find((a) => a.type === oids.messageDigestAttr)?.values[0] as
    | asn1js.OctetString
    | undefined;
  const typeAttr = attrs.find((a) => a.type === oids.contentTypeAttr)?.values[0] as
    | asn1js.ObjectIdentifier
    | undefined;
  if (!digestAttr || typeAttr?.valueBlock.toString() !== oids.data) {
    return fail('malformed', 'the signed attributes lack the content type or message digest');
  }
  const expected = createHash(digestName).update(content).digest();
  if (!expected.equals(Buffer.from(digestAttr.valueBlock.valueHexView))) {
    return fail('digest_mismatch', 'the signed content was altered (its digest does not match)');
  }
  // encodedValue is the attributes as one DER SET (tag 0x31), which is what was signed.
  const bytes = Buffer.from(signer.signedAttrs.encodedValue);
  bytes[0] = 0x31;
  return { bytes };
}

function verifies(digestName: string, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(digestName, data, key, signature);
  } catch {
    return false;
  }
}

function keyTypeOf(key: KeyObject): string | undefined {
  return key.asymmetricKeyType;
}

function validAt(certificate: X509Certificate, nowMs: number): boolean {
  return Date.parse(certificate.validFrom) <= nowMs && nowMs <= Date.parse(certificate.validTo);
}

function fail(code: Pkcs7Failure, reason: string): { ok: false; code: Pkcs7Failure; reason: string } {
  return { ok: false, code, reason };
}
