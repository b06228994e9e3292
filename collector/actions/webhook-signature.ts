/**
 * Webhook signatures: HMAC-SHA256 over the raw request body, sent as
 * `X-Kiln-Signature: sha256=<hex>` (the GitHub webhook convention, so existing verifiers work;
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries). The body
 * carries the same timestamp as `X-Kiln-Timestamp`, so the signature covers it and a receiver can
 * refuse replays.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature header. */
export const signatureHeader = 'x-kiln-signature';
/** The timestamp header (Unix seconds, also in the signed body as `timestamp`). */
export const timestampHeader = 'x-kiln-timestamp';
/** The delivery id header: the same for every retry of one delivery, so receivers can deduplicate. */
export const deliveryHeader = 'x-kiln-delivery';

/** `sha256=<hex>` of the body under the secret. */
export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `signature` is the body's signature under the secret (constant-time comparison). */
export function verifySignature(
  secret: string,
  body: string | Buffer,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
