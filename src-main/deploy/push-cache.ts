/**
 * Per-device record of what was pushed (remote path → sha256), so an unchanged file is not
 * sent again. The board is still asked for the file's sha256 before a skip, so a file deleted
 * or changed on the board is sent again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic-write.js';

export class PushCache {
  readonly file: string;

  constructor(home: string, device: string) {
    this.file = path.join(home, 'cache', `${device}.json`);
  }

  private read(): Record<string, string> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  get(remote: string): string | undefined {
    return this.read()[remote];
  }

  set(remote: string, sha256: string): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomically(this.file, JSON.stringify({ ...this.read(), [remote]: sha256 }, null, 1));
  }

  clear(): void {
    fs.rmSync(this.file, { force: true });
  }
}
