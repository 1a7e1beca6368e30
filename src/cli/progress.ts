// A one-line progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, --json).

export interface ProgressBar {
  update(done: number, total: number, note?: string): void;
  /** Clears the line so the next output starts clean. */
  finish(): void;
}

const WIDTH = 28;

export function createProgressBar(label: string, stream: NodeJS.WriteStream = process.stderr, enabled = stream.isTTY === true): ProgressBar {
  if (!enabled) return { update: () => undefined, finish: () => undefined };
  let drawn = false;
  return {
    update(done, total, note) {
      const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
      const filled = Math.round(fraction * WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
      stream.write(`\r${label} ${bar} ${done}/${total}${note ? ` ${note}` : ''}\u001b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
    },
  };
}
