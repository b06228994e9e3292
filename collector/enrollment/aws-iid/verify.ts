/**
 * Attestation with the EC2 instance identity document (pure): the PKCS#7 must verify against a
 * trusted certificate, the identity is read from the signed content only, and a plaintext document
 * sent beside it must say the same thing (a document edited after signing is refused, not ignored,
 * so the attempt shows up in the audit trail).
 */

import type { X509Certificate } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { type AttestedInstance, parseIdentityDocument } from './document.ts';
import { decodePkcs7Text, verifyPkcs7 } from './pkcs7.ts';

/** A refused attestation: a stable code for the audit trail and a reason for people. */
export interface AttestationFailure {
  ok: false;
  code:
    | 'malformed'
    | 'unsupported_algorithm'
    | 'digest_mismatch'
    | 'bad_signature'
    | 'unknown_signer'
    | 'tampered';
  reason: string;
}

/** Verifies the attestation of an enrollment request. */
export function verifyAttestation(
  attestation: { document: string; pkcs7: string },
  trusted: readonly X509Certificate[],
  nowMs: number,
): { ok: true; instance: AttestedInstance } | AttestationFailure {
  const signature = decodePkcs7Text(attestation.pkcs7);
  if (!signature) return { ok: false, code: 'malformed', reason: 'the pkcs7 signature is not base64' };
  const verified = verifyPkcs7(signature, trusted, nowMs, Buffer.from(attestation.document, 'utf8'));
  if (!verified.ok) return { ok: false, code: verified.code, reason: verified.reason };
  const parsed = parseIdentityDocument(verified.content);
  if (!parsed.ok) return { ok: false, code: 'malformed', reason: parsed.reason };
  let sent: unknown;
  try {
    sent = JSON.parse(attestation.document);
  } catch {
    return { ok: false, code: 'tampered', reason: 'the identity document sent is not JSON' };
  }
  if (!isDeepStrictEqual(sent, JSON.parse(verified.content.toString('utf8')))) {
    return {
      ok: false,
      code: 'tampered',
      reason: 'the identity document sent differs from the one that was signed',
    };
  }
  return { ok: true, instance: parsed.instance };
}
