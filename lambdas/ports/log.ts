/**
 * Structured logging as handlers use it. Powertools Logger satisfies it on AWS; drills and tests
 * pass a recorder, so what a handler logged can be asserted and shown in a drill report.
 */
export interface Log {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** One line a {@link RecordingLog} kept. */
export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra?: Record<string, unknown>;
}

/** A {@link Log} that keeps every line in memory (tests, drills). */
export class RecordingLog implements Log {
  readonly lines: LogLine[] = [];
  info(message: string, extra?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, extra });
  }
  warn(message: string, extra?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, extra });
  }
  error(message: string, extra?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, extra });
  }
}
