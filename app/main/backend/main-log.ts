// convirt.log in convirt.conf's log_dir: what this ConVirt process did at the level of the whole
// program (started, with which convirt.conf and its warnings; stopped). Host operations have their
// full output in the task log of the inventory, not here; no secret is ever written.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface MainLog {
  readonly file: string;
  write(level: 'info' | 'warning' | 'error', message: string): void;
}

export function openMainLog(logDir: string, now: () => Date = () => new Date()): MainLog {
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const file = join(logDir, 'convirt.log');
  return {
    file,
    write(level, message) {
      const line = `${now().toISOString()} [${process.pid}] ${level}: ${message.replace(/\n/g, '\n  ')}\n`;
      try {
        appendFileSync(file, line, { mode: 0o600 });
      } catch {
        // A log that cannot be written must not stop the program; the front end still prints.
      }
    },
  };
}
