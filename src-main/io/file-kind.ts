/**
 * What a path is when it is not a regular file. Readers check this on stat() before any read:
 * reading a FIFO blocks forever, /dev/zero never ends.
 */
import type fs from 'node:fs';

export function notRegularKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}
