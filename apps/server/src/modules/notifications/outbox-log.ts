import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The outbox log's file, appended to in batches: lines given while a write is under way go out
 * together in the next one (a batch of messages sent at once was one open, write and close each).
 * Each append settles when its own line is written, or fails with the write that carried it.
 */
export function createOutboxLog(file: string) {
  let queued: { line: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let writing = false;
  /** The folder, made once; made again after a failed write (it may have gone). */
  let folder: Promise<unknown> | undefined;

  async function writeQueued(): Promise<void> {
    writing = true;
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      try {
        await (folder ??= mkdir(dirname(file), { recursive: true }));
        await appendFile(file, batch.map((item) => `${item.line}\n`).join(''), { mode: 0o600 });
        for (const item of batch) item.resolve();
      } catch (error) {
        folder = undefined;
        for (const item of batch) item.reject(error);
      }
    }
    writing = false;
  }

  return {
    append(line: string): Promise<void> {
      return new Promise((resolve, reject) => {
        queued.push({ line, resolve, reject });
        if (!writing) void writeQueued();
      });
    },
  };
}
