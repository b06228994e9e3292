/**
 * The security audit trail (`<prefix>-audit-YYYY.MM.DD`): every enrollment, accepted or refused,
 * and every token revocation or instance reset, with who asked (source address, claimed and
 * attested instance id) and why it was decided so. This module is the only writer and reader of
 * the audit family. Refusals are bounded upstream (the per-address limiter), so a flood of bad
 * attempts cannot turn into a flood of audit documents.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { wrapEsError } from '../../lib/es.ts';
import type { IndexNames } from '../../lib/indices.ts';

/** What was audited. */
export type AuditAction = 'enroll' | 'revoke' | 'reset';

/** One audit record, before it becomes a document. */
export interface AuditRecord {
  action: AuditAction;
  outcome: 'success' | 'failure';
  /** A stable code (`first`, `renewed`, `bad_signature`, `claimed_by_other`, …). */
  code: string;
  reason: string;
  /** The instance id the record is about (attested when the method attests it). */
  instanceId?: string;
  /** What the request claimed, when it differs or nothing was attested. */
  claimedInstanceId?: string;
  method?: string;
  sourceAddress?: string;
  accountId?: string;
  region?: string;
  imageId?: string;
  enrollmentId?: string;
  /** Who acted, for operator actions (e.g. the CLI user). */
  actor?: string;
}

/** The ECS document of a record (https://www.elastic.co/guide/en/ecs/current/ecs-event.html). */
export function auditDocument(record: AuditRecord, nowMs: number): Record<string, unknown> {
  const denied = record.outcome === 'failure';
  return {
    '@timestamp': new Date(nowMs).toISOString(),
    message: `${record.action} ${record.outcome}${record.instanceId ? ` for ${record.instanceId}` : ''}: ${record.reason}`,
    event: {
      id: randomUUID(),
      kind: 'event',
      category: record.action === 'enroll' ? ['authentication'] : ['iam'],
      type: record.action === 'enroll' ? [denied ? 'denied' : 'start'] : ['deletion'],
      action: record.action,
      outcome: record.outcome,
      reason: record.reason,
      dataset: 'kiln.audit',
    },
    ...(record.sourceAddress ? { source: { ip: stripIpv4Mapping(record.sourceAddress) } } : {}),
    ...(record.instanceId || record.accountId || record.region || record.imageId
      ? {
          cloud: {
            ...(record.instanceId ? { instance: { id: record.instanceId } } : {}),
            ...(record.accountId ? { account: { id: record.accountId } } : {}),
            ...(record.region ? { region: record.region } : {}),
            ...(record.imageId ? { image: { id: record.imageId } } : {}),
          },
        }
      : {}),
    ...(record.actor ? { user: { name: record.actor } } : {}),
    kiln: {
      kind: 'audit',
      audit: {
        code: record.code,
        ...(record.method ? { method: record.method } : {}),
        ...(record.claimedInstanceId ? { claimed_instance_id: record.claimedInstanceId } : {}),
        ...(record.enrollmentId ? { enrollment_id: record.enrollmentId } : {}),
      },
    },
  };
}

/** Writes audit records. */
export class AuditLog {
  readonly #client: Client;
  readonly #names: IndexNames;
  readonly #now: () => number;

  constructor(client: Client, names: IndexNames, now: () => number = Date.now) {
    this.#client = client;
    this.#names = names;
    this.#now = now;
  }

  /** Stores one record. */
  async write(record: AuditRecord): Promise<void> {
    const nowMs = this.#now();
    const doc = auditDocument(record, nowMs);
    try {
      await this.#client.index({
        index: this.#names.daily('audit', nowMs),
        id: (doc.event as { id: string }).id,
        document: doc,
        op_type: 'create',
      });
    } catch (error) {
      throw wrapEsError(error, 'writing the audit trail');
    }
  }

  /** Records of one instance, newest first (for `kiln investigate` and tests). */
  async ofInstance(instanceId: string, size = 100): Promise<Array<Record<string, unknown>>> {
    try {
      await this.#client.indices.refresh({
        index: this.#names.pattern('audit'),
        allow_no_indices: true,
        ignore_unavailable: true,
      });
      const result = await this.#client.search<Record<string, unknown>>({
        index: this.#names.pattern('audit'),
        size,
        allow_no_indices: true,
        ignore_unavailable: true,
        query: {
          bool: {
            should: [
              { term: { 'cloud.instance.id': instanceId } },
              { term: { 'kiln.audit.claimed_instance_id': instanceId } },
            ],
            minimum_should_match: 1,
          },
        },
        sort: [{ '@timestamp': 'desc' }],
      });
      return result.hits.hits.flatMap((h) => (h._source ? [h._source] : []));
    } catch (error) {
      throw wrapEsError(error, 'reading the audit trail');
    }
  }
}

/** `::ffff:10.0.0.1` is the IPv4 address 10.0.0.1 reached over an IPv6 socket. */
function stripIpv4Mapping(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
