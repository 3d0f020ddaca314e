/**
 * The gRPC service of proto/fedage/v1/federation.proto, loaded at run time with
 * @grpc/proto-loader, and the channel options both ends use: keep-alive pings (a dead peer is
 * noticed within about 30 s even when no call is in flight) and message size limits (a chunk is
 * at most `chunkBytes` of payload; anything larger is refused by gRPC before it is decoded).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { DEFAULT_CHUNK_BYTES } from './codec.js';

export const PROTOCOL_VERSION = 1;
export const PROTO_RELATIVE_PATH = 'proto/fedage/v1/federation.proto';

/** The .proto file: at the package root, two (src) or three (dist/src) levels above this module. */
export function protoPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const p = join(here, up, PROTO_RELATIVE_PATH);
    if (existsSync(p)) return p;
  }
  throw new Error(`internal: ${PROTO_RELATIVE_PATH} is missing from the installation`);
}

let cached: grpc.ServiceClientConstructor | null = null;

/** The Federation service's client constructor (its `.service` is the server's definition). */
export function federationService(): grpc.ServiceClientConstructor {
  if (cached) return cached;
  const def = protoLoader.loadSync(protoPath(), { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { fedage: { v1: { Federation: grpc.ServiceClientConstructor } } };
  cached = pkg.fedage.v1.Federation;
  return cached;
}

/** Size limits and keep-alive for both ends; a message may hold one chunk plus its header. */
export function channelOptions(chunkBytes = DEFAULT_CHUNK_BYTES): grpc.ChannelOptions {
  const limit = chunkBytes + (16 << 20) + 4096;
  return {
    'grpc.max_receive_message_length': limit,
    'grpc.max_send_message_length': limit,
    'grpc.keepalive_time_ms': 20_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
    'grpc.http2.max_pings_without_data': 0,
  };
}
