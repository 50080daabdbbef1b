import { InvalidMessageError, parseJson } from '@app/contracts';
import type { KafkaMessage } from 'kafkajs';

/** A consumed message that failed decoding or contract validation; it is already in `<topic>.dlq`. */
export interface InvalidInboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /**
   * The value as parsed JSON when the bytes were JSON (whatever its shape), else undefined. Untrusted:
   * a hook reads only what it checks itself, and never logs it (it may hold a code or a phone).
   */
  value: unknown;
  /** The DLQ reason (names fields and rules, never values). */
  reason: string;
  /** Property paths that failed contract validation; empty when the message was not even an object. */
  fields: readonly string[];
}

/**
 * Called by the batch server, after the dead letters are written, with the invalid messages of one batch
 * of the binding's topic. Its effect must be durable when it resolves (the offsets are committed next);
 * a retriable error is retried with backoff like a handler's, any other error is logged and the DLQ
 * copies stand. It must be idempotent: a batch can be redelivered.
 */
export type InvalidMessagesHook = (messages: InvalidInboundMessage[]) => Promise<void>;

export function toInvalidInbound(
  topic: string,
  partition: number,
  message: KafkaMessage,
  error: unknown,
): InvalidInboundMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    value: parsedOrUndefined(message.value),
    reason: error instanceof InvalidMessageError ? error.reason : 'UNDECODABLE',
    fields: error instanceof InvalidMessageError ? error.fields : [],
  };
}

/** The same parser as the contract check (size limit, UTF-8, prototype keys dropped), without throwing. */
function parsedOrUndefined(value: Buffer | null): unknown {
  try {
    return parseJson(value);
  } catch {
    return undefined;
  }
}
