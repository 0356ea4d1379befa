/** Renders calibration/evaluation progress events on stderr: a redrawn bar on a TTY, sparse lines otherwise. */
import type { ProgressEvent } from '../contract/progress.js';

function fmtTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '--:--';
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function createProgressBar(enabled: boolean): (e: ProgressEvent) => void {
  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  return (e) => {
    if (!enabled) return;
    const width = 24;
    const filled = Math.round((e.index / Math.max(1, e.total)) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const cos = e.cosBefore !== undefined && e.cosAfter !== undefined ? ` cos ${e.cosBefore.toFixed(5)}→${e.cosAfter.toFixed(5)}` : '';
    const line = `${e.stage.padEnd(8)} ${bar} ${e.index}/${e.total} ${e.name}${e.phase ? ` (${e.phase})` : ''}${cos} elapsed ${fmtTime(e.elapsedMs)} ETA ${fmtTime(e.etaMs)}`;
    if (tty) {
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
      if (e.index === e.total && e.phase !== 'weights') process.stderr.write('\n');
    } else {
      // in logs: every search step, and evaluation/capture at most every 5 s and at the end
      const now = Date.now();
      if (e.stage === 'search' || e.index === e.total || now - lastLine > 5000) {
        process.stderr.write(`${line}\n`);
        lastLine = now;
      }
    }
  };
}
