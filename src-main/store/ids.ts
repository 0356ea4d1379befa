/** Short sortable ids: time prefix (base36) + random suffix. */
import { randomBytes } from 'node:crypto';

export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}

export const nowIso = (): string => new Date().toISOString();
