/**
 * Structured logs: one JSON object per line on stderr, so they can be shipped by kiln itself.
 * Level from `KILN_LOG_LEVEL` (debug, info, warn, error; default info).
 */

/** Log severities, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger bound to a component name. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

/** Where log lines go; tests pass an array-backed sink. */
export type LogSink = (line: string) => void;

const stderrSink: LogSink = (line) => process.stderr.write(`${line}\n`);

/** Creates a logger writing ECS-shaped JSON lines (`@timestamp`, `log.level`, `message`). */
export function createLogger(component: string, options: { level?: LogLevel; sink?: LogSink } = {}): Logger {
  const level = options.level ?? parseLevel(process.env.KILN_LOG_LEVEL);
  const sink = options.sink ?? stderrSink;
  const write = (lvl: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < order[level]) return;
    sink(
      JSON.stringify({
        '@timestamp': new Date().toISOString(),
        'log.level': lvl,
        'log.logger': component,
        message,
        ...fields,
      }),
    );
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (name) => createLogger(`${component}.${name}`, { level, sink }),
  };
}

function parseLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'warn' || value === 'error' ? value : 'info';
}

/** A logger that drops everything (for tests and `--quiet`). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
