// The process-wide structured logger (winston): one line per event, fields as JSON or key=value text.
import winston from 'winston';

export type LogFormat = 'json' | 'text';
export type Logger = winston.Logger;

const textFormat = winston.format.printf(({ level, message, timestamp, ...fields }) => {
  const rest = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${String(timestamp)} ${level} ${String(message)}${rest ? ' ' + rest : ''}`;
});

export function createLogger(options: { level?: string; format?: LogFormat } = {}): Logger {
  return winston.createLogger({
    level: options.level ?? 'info',
    format: winston.format.combine(
      winston.format.timestamp(),
      options.format === 'json' ? winston.format.json() : textFormat,
    ),
    // stderr: stdout of the CLI carries results, and systemd's journal takes either.
    transports: [new winston.transports.Console({ stderrLevels: Object.keys(winston.config.npm.levels) })],
  });
}

/** A logger that writes nothing, for tests and library callers that do not log. */
export const silentLogger: Logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
