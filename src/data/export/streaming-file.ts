/**
 * A file written as a stream of chunks, atomically: bytes go to a temp file next to `path`
 * through the one HashingSink (every byte written or an error, hashed as it goes); `close`
 * fsyncs file and directory and renames it into place, `abort` removes it. The same discipline
 * as ArrowFileWriter and writeFileAtomic, for writers (Parquet, CSV) that hand us bytes rather
 * than Arrow batches.
 */
import { closeSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { asEnvironmentError } from '../../errors.js';
import { fsyncDirSync, fsyncFdSync, tempPathFor } from '../../write-file-atomic.js';
import { HashingSink, type WrittenFile } from '../arrow-io.js';

export class StreamingFileWriter {
  private readonly tmp: string;
  private readonly fd: number;
  private readonly sink: HashingSink;
  private done = false;

  constructor(readonly path: string) {
    this.tmp = tempPathFor(path);
    try {
      this.fd = openSync(this.tmp, 'wx');
    } catch (error) {
      throw asEnvironmentError(error, path, 'create');
    }
    this.sink = new HashingSink(this.fd, path);
  }

  write(chunk: Uint8Array | string): void {
    this.sink.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }

  close(rows: number): WrittenFile {
    fsyncFdSync(this.fd, this.path);
    closeSync(this.fd);
    this.done = true;
    try {
      renameSync(this.tmp, this.path);
    } catch (error) {
      rmSync(this.tmp, { force: true });
      throw asEnvironmentError(error, this.path, 'write');
    }
    fsyncDirSync(dirname(this.path));
    return { path: this.path, bytes: this.sink.bytes, sha256: this.sink.hash.digest('hex'), rows };
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
