/**
 * Runs one task on several boards at once. Each board gets its own deadline; a failure or a
 * timeout is recorded for that board and never stops the others.
 */
export type FleetOutcome<T> = { device: string; ok: true; result: T; seconds: number } | { device: string; ok: false; error: string; seconds: number };

export async function runFleet<D extends { name: string }, T>(devices: D[], task: (d: D) => Promise<T>, o: { timeoutMs: number }): Promise<FleetOutcome<T>[]> {
  return Promise.all(
    devices.map(async (d): Promise<FleetOutcome<T>> => {
      const t0 = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${o.timeoutMs} ms`)), o.timeoutMs);
      });
      try {
        const result = await Promise.race([task(d), deadline]);
        return { device: d.name, ok: true, result, seconds: (Date.now() - t0) / 1000 };
      } catch (e) {
        return { device: d.name, ok: false, error: (e as Error).message, seconds: (Date.now() - t0) / 1000 };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
