/** The process logger: pino, JSON lines on stdout, with the replica's identity in every line. */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type ControllerLogger = PinoLogger;

export function createLogger(
  options: { level: string; identity: string },
  destination?: DestinationStream,
): ControllerLogger {
  const settings = {
    level: options.level,
    base: { identity: options.identity },
    // Errors logged under `err` keep their stack and KontrolerError code.
    serializers: { err: pino.stdSerializers.err },
  };
  return destination ? pino(settings, destination) : pino(settings);
}
