/**
 * The gRPC service of proto/fedage/v1/federation.proto, loaded at run time with
 * @grpc/proto-loader, and the channel options both ends use: keep-alive pings (a dead peer is
 * noticed within about 30 s even when no call is in flight) and message size limits (a chunk is
 * at most `chunkBytes` of payload; anything larger is refused by gRPC before it is decoded).
 */
import { existsSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { DEFAULT_CHUNK_BYTES } from './codec.js';
import { decodeChunk, framedForm, serializeChunk, type WireChunk } from './chunk-wire.js';
import * as serverInterceptors from '@grpc/grpc-js/build/src/server-interceptors.js';
import * as compressionFilter from '@grpc/grpc-js/build/src/compression-filter.js';
import { packagePath } from '../package-root.js';

export const PROTOCOL_VERSION = 1;
export const PROTO_RELATIVE_PATH = 'proto/fedage/v1/federation.proto';

/** The .proto file, at the package root. */
export function protoPath(): string {
  const p = packagePath(...PROTO_RELATIVE_PATH.split('/'));
  if (!existsSync(p)) throw new Error(`internal: ${PROTO_RELATIVE_PATH} is missing from the installation`);
  return p;
}

let cached: grpc.ServiceClientConstructor | null = null;

/** The Federation service's client constructor (its `.service` is the server's definition). */
export function federationService(): grpc.ServiceClientConstructor {
  if (cached) return cached;
  const def = protoLoader.loadSync(protoPath(), { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  useChunkWire(def['fedage.v1.Federation'] as grpc.ServiceDefinition);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { fedage: { v1: { Federation: grpc.ServiceClientConstructor } } };
  cached = pkg.fedage.v1.Federation;
  return cached;
}

/** Chunks are encoded and decoded by chunk-wire.ts (one payload copy, read in place), not protobufjs. */
function useChunkWire(service: grpc.ServiceDefinition): void {
  const isChunk = (t: unknown) => (t as { type?: { name?: string } } | undefined)?.type?.name === 'Chunk';
  for (const method of Object.values(service) as Array<grpc.MethodDefinition<unknown, unknown> & { requestType?: unknown; responseType?: unknown }>) {
    if (isChunk(method.requestType)) {
      method.requestSerialize = (c) => serializeChunk(c as WireChunk);
      method.requestDeserialize = decodeChunk;
    }
    if (isChunk(method.responseType)) {
      method.responseSerialize = (c) => serializeChunk(c as WireChunk);
      method.responseDeserialize = decodeChunk;
    }
  }
}

/**
 * HTTP/2 flow-control window of every stream and connection, both ends: 16 MiB. HTTP/2 starts at
 * 64 KiB and a sender stalls until the receiver's event loop returns a WINDOW_UPDATE; a model of
 * 100,000 float64 parameters (800 KB) then waits for about a dozen round trips between two
 * processes that share the cores with ten others (perf:federate: 30–40 % of a round's time).
 */
export const FLOW_CONTROL_WINDOW_BYTES = 16 << 20;

/** Size limits and keep-alive for both ends; a message may hold one chunk plus its header. */
export function channelOptions(chunkBytes = DEFAULT_CHUNK_BYTES): grpc.ChannelOptions {
  const limit = chunkBytes + (16 << 20) + 4096;
  return {
    // A site's receive window (grpc-js sets it on the client's HTTP/2 session).
    'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
    'grpc.max_receive_message_length': limit,
    'grpc.max_send_message_length': limit,
    'grpc.keepalive_time_ms': 20_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
    'grpc.http2.max_pings_without_data': 0,
  };
}

/** The parts of grpc-js's Server (1.14) that hold its HTTP/2 settings and servers; not public API. */
interface ServerInternals {
  commonServerOptions?: { settings?: Record<string, number> };
  http2Servers?: Map<{ on(event: 'session', listener: (session: { setLocalWindowSize(bytes: number): void }) => void): void }, unknown>;
}

/**
 * The aggregator's receive windows: grpc-js has no server option for them (its client has
 * `grpc-node.flow_control_window`), so they are set on its internals: the stream window in the
 * settings it creates its HTTP/2 servers with (call before bindAsync), the connection window on
 * every session (call after). Returns false when grpc-js no longer has those internals (a newer
 * version): the run still works, only with HTTP/2's 64 KiB windows; a test pins this.
 */
export function widenServerWindows(server: grpc.Server, stage: 'before-bind' | 'after-bind'): boolean {
  const internals = server as unknown as ServerInternals;
  if (stage === 'before-bind') {
    if (!internals.commonServerOptions) return false;
    internals.commonServerOptions.settings = { ...internals.commonServerOptions.settings, initialWindowSize: FLOW_CONTROL_WINDOW_BYTES };
    return true;
  }
  if (!(internals.http2Servers instanceof Map)) return false;
  for (const http2Server of internals.http2Servers.keys()) {
    http2Server.on('session', (session) => {
      try {
        session.setLocalWindowSize(FLOW_CONTROL_WINDOW_BYTES);
      } catch {
        // A session closed before its settings were exchanged: nothing to widen.
      }
    });
  }
  return internals.http2Servers.size > 0;
}

/** The grpc-js (1.14) classes that frame a message (a copy behind a 5-byte prefix); not public API. */
interface FramingInternals {
  server?: { prototype: { serializeMessage(value: unknown): Buffer; fedageFramed?: boolean } };
  client?: {
    prototype: {
      sendMessage(message: Promise<{ message: Buffer; flags?: number }>): Promise<{ message: Buffer; flags?: number }>;
      fedageFramed?: boolean;
    };
  };
}

// Imported statically so that the site bundle (esbuild) patches the grpc-js it bundles, not a second copy.
function framingInternals(): FramingInternals {
  return {
    server: (serverInterceptors as Record<string, unknown>).BaseServerInterceptingCall as FramingInternals['server'],
    client: (compressionFilter as Record<string, unknown>).CompressionFilter as FramingInternals['client'],
  };
}

/**
 * Lets both ends write a pre-encoded chunk (chunk-wire.ts `preEncoded`: the round's model, the
 * same bytes for every site; a site's update) as it is. grpc-js copies every message into a new
 * buffer behind its 5-byte prefix: for 10 sites and a 100,000-parameter model, 8 MB of copies and
 * garbage per round at the aggregator, where collecting it is costly (a large heap). A pre-encoded
 * chunk already has the prefix, so it goes to HTTP/2 without the copy; every other message takes
 * grpc-js's own path. Returns which ends were patched: none when grpc-js no longer has these
 * internals (a newer version), and the run still works, with the copies; a test pins them.
 */
export function framedWrites(): { server: boolean; client: boolean } {
  const { server, client } = framingInternals();
  const done = { server: false, client: false };
  const serverProto = server?.prototype;
  if (serverProto && typeof serverProto.serializeMessage === 'function') {
    if (!serverProto.fedageFramed) {
      const copying = serverProto.serializeMessage;
      serverProto.serializeMessage = function serializeMessage(this: unknown, value: unknown): Buffer {
        return framedForm(value) ?? copying.call(this, value);
      };
      serverProto.fedageFramed = true;
    }
    done.server = true;
  }
  const clientProto = client?.prototype;
  if (clientProto && typeof clientProto.sendMessage === 'function') {
    if (!clientProto.fedageFramed) {
      const copying = clientProto.sendMessage;
      clientProto.sendMessage = async function sendMessage(this: { sendCompression?: object; maxSendMessageLength?: number }, message) {
        const resolved = await message;
        const framed = framedForm(resolved.message);
        const identity = this.sendCompression?.constructor?.name === 'IdentityHandler';
        const withinLimit = this.maxSendMessageLength === -1 || resolved.message.length <= (this.maxSendMessageLength ?? -1);
        if (framed && identity && withinLimit) return { message: framed, flags: resolved.flags };
        return copying.call(this, Promise.resolve(resolved));
      };
      clientProto.fedageFramed = true;
    }
    done.client = true;
  }
  return done;
}
