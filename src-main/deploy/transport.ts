/** What the deploy module needs from a link to a board (SSH or serial). */

export interface ExecResult {
  code: number;
  /** signal name or number when the command was killed */
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface UploadReport {
  bytes: number;
  /** bytes sent in this call (less than `bytes` when a partial upload was resumed) */
  sent: number;
  /** offset the upload resumed from (0 = from the start) */
  resumedFrom: number;
}

export interface UploadOptions {
  mode?: number;
  onProgress?: (sent: number, total: number) => void;
  /** called once the offset to start from is known (> 0: resuming a partial upload) */
  onStart?: (offset: number) => void;
}

export interface Transport {
  readonly kind: 'ssh' | 'serial';
  /** `uname -m` of the board */
  machine(): Promise<string>;
  /** Runs a command given as argv (never through string concatenation of user input). */
  exec(argv: string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
  /**
   * Uploads `data` to `remotePath` through a temporary name: resumes a partial temporary file
   * made for the same sha256, verifies the sha256 on the device, then renames atomically.
   */
  upload(data: Buffer, remotePath: string, sha256: string, opts?: UploadOptions): Promise<UploadReport>;
  download(remotePath: string): Promise<Buffer>;
  /** sha256 (hex) of a remote file, or null when it does not exist */
  hash(remotePath: string): Promise<string | null>;
  mkdirp(remoteDir: string): Promise<void>;
  close(): Promise<void>;
}

/** Errors the fleet/push layer can act on: `link` = connection lost (retry after reconnect). */
export class DeployError extends Error {
  constructor(
    message: string,
    readonly kind: 'link' | 'timeout' | 'remote' | 'hostkey' | 'config' | 'integrity' = 'remote',
  ) {
    super(message);
    this.name = 'DeployError';
  }
}
