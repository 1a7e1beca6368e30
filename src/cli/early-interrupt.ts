// Imported first by main.ts, for its side effect: from the moment the CLI starts (loading the
// native modules takes a moment) a Ctrl-C prints the same one line and exits 130, instead of the
// default silent death. A command that installs its own SIGINT handling takes over; this handler
// then stays quiet.
import { exitInterrupted, interruptMessage } from './interrupt';

function onEarlySigint(): void {
  if (process.listenerCount('SIGINT') > 1) return;
  const command = process.argv[2] && !process.argv[2].startsWith('-') ? process.argv[2] : 'nanoforge';
  process.stderr.write(`${interruptMessage(command).replace(/^nanoforge nanoforge:/, 'nanoforge:')}\n`);
  exitInterrupted(); // also removes the temp files of writes in flight (placeholder, icons)
}

process.on('SIGINT', onEarlySigint);
