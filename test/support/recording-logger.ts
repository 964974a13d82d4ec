import type { LoggerService } from '@nestjs/common';
import type { LidexLogger } from '@lidex/nestjs';

export type LogLevel = 'log' | 'warn' | 'error' | 'debug' | 'verbose' | 'fatal';

export interface LogLine {
  level: LogLevel;
  message: string;
}

/**
 * The one logger double of the tests: it keeps every line it is told, with its level, for
 * assertions. It is both a `LidexLogger` (give it to an engine or a store) and a Nest
 * `LoggerService` (give it to `app.useLogger(...)` or `TestingModuleBuilder.setLogger(...)`);
 * Nest's extra arguments (the context, a stack) are not kept.
 */
export class RecordingLogger implements LidexLogger, LoggerService {
  readonly lines: LogLine[] = [];

  log(message: unknown): void {
    this.record('log', message);
  }
  warn(message: unknown): void {
    this.record('warn', message);
  }
  error(message: unknown): void {
    this.record('error', message);
  }
  debug(message: unknown): void {
    this.record('debug', message);
  }
  verbose(message: unknown): void {
    this.record('verbose', message);
  }
  fatal(message: unknown): void {
    this.record('fatal', message);
  }

  /** Whether any line, at any level, contains `text`. */
  has(text: string): boolean {
    return this.lines.some((line) => line.message.includes(text));
  }

  /** The messages told, in order; only those at `level` when it is given. */
  messages(level?: LogLevel): string[] {
    return this.lines
      .filter((line) => level === undefined || line.level === level)
      .map((line) => line.message);
  }

  private record(level: LogLevel, message: unknown): void {
    this.lines.push({ level, message: String(message) });
  }
}
