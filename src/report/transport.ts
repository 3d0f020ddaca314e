/** The transport section of a distributed run's report (results.json `transport`): how the sites were reached and every network event. */
import type { TransportRecord } from '../bench/results.js';

const QUIET = new Set(['listening', 'done']);

export function transportLines(t: TransportRecord): string[] {
  const faults = t.events.filter((e) => !QUIET.has(e.kind) && e.kind !== 'joined');
  const lines = [
    '',
    `Transport: gRPC (${t.protocol}) with mutual TLS on ${t.listen}; minSites ${t.minSites}, round deadline ${t.roundDeadlineSeconds} s; start-up ${t.startupSeconds.toFixed(1)} s; ${t.bytesSent} bytes sent, ${t.bytesReceived} received; ${t.rounds.length} remote rounds, ${faults.length} event${faults.length === 1 ? '' : 's'} besides joins:`,
  ];
  for (const e of t.events.filter((x) => !QUIET.has(x.kind)).slice(0, 50)) lines.push(`- ${(e.atMs / 1000).toFixed(1)} s ${e.kind}: ${e.message}`);
  if (t.events.length > 50) lines.push(`- … ${t.events.length - 50} more in results.json (transport.events)`);
  return lines;
}
