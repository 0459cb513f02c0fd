/**
 * The one error class of flowhound (csv-parse's CsvError is the model): a
 * code from a closed set, a message that says where, the rule and what was
 * found, and a context object for programs.
 */
export type FlowhoundErrorCode =
  | 'INPUT_NOT_FOUND'
  | 'INPUT_UNREADABLE'
  | 'INPUT_UNKNOWN_FORMAT'
  | 'INPUT_TRUNCATED'
  | 'INPUT_TOO_MANY_INVALID'
  | 'PCAP_BAD_HEADER'
  | 'PCAP_BAD_RECORD'
  | 'PCAPNG_BAD_BLOCK'
  | 'ZEEK_BAD_HEADER'
  | 'ZEEK_NO_HEADER'
  | 'CSV_BAD_HEADER'
  | 'CSV_NO_HEADER'
  | 'CONFIG_INVALID'
  | 'RULES_INVALID'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_DAMAGED'
  | 'MODEL_SCHEMA_MISMATCH'
  | 'BACKEND_UNAVAILABLE'
  | 'ARROW_BAD_SCHEMA'
  | 'STATE_INVALID'
  | 'NOT_BUILT'
  | 'INVALID_ARGUMENT'
  | 'NATS_UNAVAILABLE'
  | 'USAGE';

export interface FlowhoundErrorContext {
  file?: string;
  line?: number;
  offset?: number;
  [key: string]: unknown;
}

export class FlowhoundError extends Error {
  override readonly name = 'FlowhoundError';
  readonly code: FlowhoundErrorCode;
  readonly context: FlowhoundErrorContext;

  constructor(code: FlowhoundErrorCode, message: string, context: FlowhoundErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.context = context;
  }
}

export function isFlowhoundError(e: unknown): e is FlowhoundError {
  return e instanceof FlowhoundError;
}
