/**
 * A file written as a stream of chunks, atomically: bytes go to a temp file next to `path` and
 * are hashed as they go; `close` fsyncs and renames it into place, `abort` removes it. The same
 * discipline as ArrowFileWriter and writeFileAtomic (output-dir.ts), for writers (Parquet, CSV)
 * that hand us bytes rather than Arrow batches.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { WrittenFile } from '../arrow-io.js';

export class StreamingFileWriter {
  private readonly tmp: string;
  private readonly fd: number;
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private done = false;

  constructor(readonly path: string) {
    this.tmp = `${path}.tmp-${process.pid}`;
    this.fd = openSync(this.tmp, 'w');
  }

  write(chunk: Uint8Array | string): void {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (data.byteLength === 0) return;
    let offset = 0;
    // writeSync may write fewer bytes than asked (large chunks): loop until all are written.
    while (offset < data.byteLength) offset += writeSync(this.fd, data, offset, data.byteLength - offset);
    this.hash.update(data);
    this.bytes += data.byteLength;
  }

  close(rows: number): WrittenFile {
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
    this.done = true;
    return { path: this.path, bytes: this.bytes, sha256: this.hash.digest('hex'), rows };
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    rmSync(this.tmp, { force: true });
  }
}
