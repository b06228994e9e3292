/**
 * Bounds what connections can hold (https://nodejs.org/api/http.html#class-httpserver): headers
 * must arrive within `headersTimeoutMs`, a whole request within `requestTimeoutMs`, an idle
 * keep-alive connection is closed after `idleTimeoutMs`, and at most `maxConnections` are open.
 * Node checks `headersTimeout` from the moment a connection is accepted (every
 * `connectionsCheckingInterval`), so one that never sends a byte is closed too.
 * At the cap the longest-idle connection (one with no request in progress: a silent new one, or an
 * idle keep-alive one) is closed to make room, so a flood of silent connections cannot lock out
 * agents or health checks; only when every connection is busy is the new one refused.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../../lib/log.ts';

/** Connection limits (see config.ts for the defaults). */
export interface ConnectionLimits {
  maxConnections: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
}

/** What the guard counted (tests and logs). */
export interface ConnectionStats {
  open: number;
  /** Closed to make room for a new connection at the cap. */
  evicted: number;
  /** Refused because every open connection was busy. */
  refused: number;
}

/** Applies the limits to a server; call before `listen`. */
export class ConnectionGuard {
  /** Open raw sockets, least recently active first (re-inserted when they go idle). */
  readonly #idle = new Set<Socket>();
  readonly #busy = new Map<Socket, number>();
  readonly #limits: ConnectionLimits;
  readonly #log: Logger;
  #evicted = 0;
  #refused = 0;

  constructor(server: Server, limits: ConnectionLimits, log: Logger) {
    this.#limits = limits;
    this.#log = log;
    server.headersTimeout = limits.headersTimeoutMs;
    server.requestTimeout = limits.requestTimeoutMs;
    server.keepAliveTimeout = limits.idleTimeoutMs;
    server.on('connection', (socket: Socket) => this.#admit(socket));
    server.on('request', (req, res) => {
      const raw = rawSocketOf(req.socket);
      this.#busy.set(raw, (this.#busy.get(raw) ?? 0) + 1);
      this.#idle.delete(raw);
      res.once('close', () => {
        const left = (this.#busy.get(raw) ?? 1) - 1;
        if (left > 0) {
          this.#busy.set(raw, left);
          return;
        }
        this.#busy.delete(raw);
        if (!raw.destroyed) this.#idle.add(raw);
      });
    });
  }

  /** Counters so far. */
  stats(): ConnectionStats {
    return {
      open: this.#idle.size + this.#busy.size,
      evicted: this.#evicted,
      refused: this.#refused,
    };
  }

  #admit(socket: Socket): void {
    if (this.#idle.size + this.#busy.size >= this.#limits.maxConnections && !this.#evictOne()) {
      this.#refused++;
      if (this.#refused % 1000 === 1) {
        this.#log.warn('connection refused: every connection is busy', {
          'kiln.connections.max': this.#limits.maxConnections,
          'kiln.connections.refused': this.#refused,
        });
      }
      socket.destroy();
      return;
    }
    this.#idle.add(socket);
    socket.once('close', () => {
      this.#idle.delete(socket);
      this.#busy.delete(socket);
    });
  }

  #evictOne(): boolean {
    const oldest = this.#idle.values().next().value;
    if (oldest === undefined) return false;
    this.#idle.delete(oldest);
    oldest.destroy();
    this.#evicted++;
    if (this.#evicted % 1000 === 1) {
      this.#log.warn('closed the longest-idle connection to admit a new one', {
        'kiln.connections.max': this.#limits.maxConnections,
        'kiln.connections.evicted': this.#evicted,
      });
    }
    return true;
  }
}

/**
 * The TCP socket under a request's socket. For HTTPS the request arrives on a TLSSocket that wraps
 * the socket the server's `connection` event saw; Node keeps that one as `_parent` (not public
 * API, hence the fallback to the socket itself).
 */
function rawSocketOf(socket: Socket): Socket {
  return (socket as Socket & { _parent?: Socket })._parent ?? socket;
}
