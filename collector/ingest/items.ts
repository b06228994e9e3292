/**
 * Turns a decoded batch into what is stored (pure): the agent's canonical log lines are spliced
 * (splice.ts), every other event is stamped with the token's identity (stamp.ts), and events
 * refused at decoding are set apart, stamped, for the dead-letter index.
 */
import type { WireEvent } from '../../lib/wire.ts';
import type { BulkItem } from '../storage/bulk-writer/encoder.ts';
import type { DecodedEvent } from './decode.ts';
import { LogSplicer, type SpliceContext } from './splice.ts';
import { stampIdentity, toBulkItem } from './stamp.ts';

/** An event refused before storage, stamped, with why and the start of its line. */
export interface RefusedEvent {
  event: WireEvent;
  reason: string;
  head: string;
  bytes: number;
}

/** What one batch stores. */
export interface BatchItems {
  items: BulkItem[];
  /** The agent's own event id of each item, in order (the stored _id is scoped to the instance). */
  agentIds: string[];
  /** The stamped events among the items (spliced log lines are not among them). */
  stamped: WireEvent[];
  refused: RefusedEvent[];
}

/** The bulk items of a decoded batch from the instance `context.identity`. */
export function itemsOfBatch(decoded: readonly DecodedEvent[], context: SpliceContext): BatchItems {
  const { identity, ingestedAt, names, window, nowMs, logIdentity } = context;
  const splicer = new LogSplicer(context);
  const out: BatchItems = { items: [], agentIds: [], stamped: [], refused: [] };
  for (const d of decoded) {
    if (d.canonical) {
      out.items.push(splicer.item(d.canonical));
      out.agentIds.push(d.canonical.eventId);
      continue;
    }
    const event = stampIdentity(d.event, identity, ingestedAt, logIdentity);
    if (d.refusal) {
      out.refused.push({ event, reason: d.refusal, head: d.head ?? '', bytes: d.bytes });
      continue;
    }
    out.stamped.push(event);
    out.items.push(toBulkItem(event, names, identity.instanceId, window, nowMs, logIdentity));
    out.agentIds.push(event.event.id);
  }
  return out;
}
