/**
 * What the aggregator (aggregator.ts) keeps per site — its session: joined or not, its queue of
 * tasks, the tasks in flight, its Session stream or long poll — and the transport's event and
 * failure types, with the small helpers both the Session and the legacy calls use.
 */
import type * as grpc from '@grpc/grpc-js';
import { ProtocolError, type Message, type WireChunk } from './codec.js';

export type SurfaceCall = { getPeer(): string; getAuthContext?(): { sslPeerCertificate?: { subject?: Record<string, unknown>; serialNumber?: string } } | null };

export interface TransportEvent {
  /** Milliseconds since the aggregator started (the only timing in an event). */
  atMs: number;
  kind: 'listening' | 'joined' | 'rejoined' | 'refused' | 'dropped' | 'deadline' | 'malformed' | 'absent' | 'round-aborted' | 'resumed' | 'done';
  site?: string;
  seed?: number;
  arm?: string;
  round?: number;
  message: string;
}

export type SessionCall = grpc.ServerDuplexStream<WireChunk, WireChunk>;

export interface PendingTask {
  taskId: string;
  chunks: WireChunk[];
  sent: boolean;
  /** The Session stream it was written to (null: a long poll, or not sent yet). */
  sentOn: SessionCall | null;
  generation: number;
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
}

export interface SiteSession {
  id: string;
  generation: number;
  joined: boolean;
  queue: PendingTask[];
  inFlight: Map<string, PendingTask>;
  waiter: { call: grpc.ServerWritableStream<unknown, WireChunk>; timer: NodeJS.Timeout } | null;
  /** The site's open Session stream: tasks are written to it as they are scheduled. */
  stream: SessionCall | null;
  /** Seeds this session has prepared (reset when the site joins again: a restarted site lost them). */
  prepared: Set<number>;
}

export class TaskFailed extends Error {
  constructor(readonly kind: 'deadline' | 'dropped' | 'absent' | 'malformed' | 'error', message: string) {
    super(message);
  }
}

export interface TransportTotals {
  bytesSent: number;
  bytesReceived: number;
}

/** Fails, as dropped, the tasks written to a stream that is gone. */
export function dropTasksSentOn(s: SiteSession, stream: SessionCall, reason: string): void {
  for (const t of [...s.inFlight.values()]) if (t.sentOn === stream) t.reject(new TaskFailed('dropped', reason));
}

/** Ends a streaming call with an error status: grpc-js sends the status of an emitted 'error' (destroy() would send none). */
export function failCall(call: { emit(event: 'error', err: Error): boolean }, err: Error): void {
  call.emit('error', err);
}

export function undecodableReason(err: unknown): string {
  return err instanceof ProtocolError ? err.message : `undecodable: ${(err as Error).message}`;
}

/**
 * The site id a peer may act as, from its TLS client certificate (already verified against the
 * consortium CA by TLS): a site certificate (OU=site) of a site of the plan, the site it claims to
 * be, and not revoked; or why it is refused.
 */
export function authenticateSite(call: SurfaceCall, claimed: string, isPlanSite: (id: string) => boolean, revokedSerials?: ReadonlySet<string>): { site: string } | { refused: string } {
  const cert = call.getAuthContext?.()?.sslPeerCertificate;
  if (!cert || !cert.subject) return { refused: 'no client certificate' };
  const cn = String(cert.subject.CN ?? '');
  const ou = String(cert.subject.OU ?? '');
  if (ou !== 'site') return { refused: `certificate of ${cn} is not a site certificate (OU=${ou})` };
  if (!isPlanSite(cn)) return { refused: `certificate names site "${cn}", which is not a site of the plan` };
  if (claimed && claimed !== cn) return { refused: `certificate of site ${cn} used to act as site ${claimed}` };
  const serial = String(cert.serialNumber ?? '').toLowerCase().replace(/^0+/, '');
  if (revokedSerials?.has(serial)) return { refused: `certificate of site ${cn} (serial ${serial}) is revoked` };
  return { site: cn };
}
