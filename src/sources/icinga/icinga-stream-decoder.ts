/**
 * @module Framing of the Icinga 2 event stream (wire-formats.md §3.3): raw newline-delimited
 * JSON, one object per line, no length prefix and no heartbeat. The decoder is fed the body's
 * chunks as they arrive, in any size: a chunk may end in the middle of a line or of a
 * multi-byte character. Lines are split on the byte `\n` (which never occurs inside a UTF-8
 * sequence) and decoded only when complete, so neither split can corrupt text.
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import { isPlainObject } from '../json-value.js';

export interface IcingaStreamDecoderOptions {
  /**
   * Called with each parsed line, in stream order. The object is unchecked JSON. Both callbacks
   * run inside `push()`; they must not throw (the rest of that chunk would be lost).
   */
  readonly onEvent: (event: Record<string, unknown>) => void;
  /**
   * Called for a line that is not a JSON object (`AH_ICINGA_STREAM_BAD_LINE`) or exceeds
   * `maxLineBytes` (`AH_ICINGA_STREAM_LINE_TOO_LONG`); the decoder then goes on with the next
   * line. Messages give the line number and length, never the line's content.
   */
  readonly onError: (error: AutohealError) => void;
  /**
   * Longest accepted line in bytes, newline excluded; longer lines are skipped without being
   * buffered. Default 1 MiB: Icinga events are a few KiB, long plugin output included.
   */
  readonly maxLineBytes?: number;
  /** The JSON parser (e.g. a lossless one keeping big integers). Default `JSON.parse`. */
  readonly parse?: (text: string) => unknown;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;

export class IcingaStreamDecoder {
  private readonly onEvent: (event: Record<string, unknown>) => void;
  private readonly onError: (error: AutohealError) => void;
  private readonly maxLineBytes: number;
  private readonly parse: (text: string) => unknown;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** Pieces of the line being assembled, and their total length. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** True while skipping the rest of an oversize line, up to its newline. */
  private skipping = false;
  private lineNumber = 0;

  constructor(options: IcingaStreamDecoderOptions) {
    this.onEvent = options.onEvent;
    this.onError = options.onError;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.parse = options.parse ?? JSON.parse;
    if (!Number.isInteger(this.maxLineBytes) || this.maxLineBytes <= 0) {
      throw new AutohealError(ErrorCode.SourceConfigInvalid, 'icinga stream: maxLineBytes must be a positive integer');
    }
  }

  /** Feeds the next chunk of the response body. */
  push(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      this.append(chunk.subarray(start, end));
      if (nl === -1) return;
      this.finishLine();
      start = nl + 1;
    }
  }

  /**
   * Signals the end of the stream (the server closed the connection). A last line without its
   * newline is decoded like any other: a complete object is delivered, a cut one reported.
   */
  end(): void {
    if (this.pendingBytes > 0 || this.skipping) this.finishLine();
  }

  private append(piece: Uint8Array): void {
    if (piece.length === 0 || this.skipping) return;
    if (this.pendingBytes + piece.length > this.maxLineBytes) {
      this.pending = [];
      this.pendingBytes = 0;
      this.skipping = true;
      this.onError(
        new AutohealError(
          ErrorCode.IcingaStreamLineTooLong,
          `icinga stream: line ${this.lineNumber + 1} is longer than ${this.maxLineBytes} bytes and was skipped`,
          { details: { line: this.lineNumber + 1, maxLineBytes: this.maxLineBytes } },
        ),
      );
      return;
    }
    // Copy: the caller may reuse the chunk's buffer after push() returns (and Buffer#slice
    // would not copy).
    this.pending.push(new Uint8Array(piece));
    this.pendingBytes += piece.length;
  }

  private finishLine(): void {
    this.lineNumber += 1;
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const length = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    if (length === 0) return;

    let value: unknown;
    try {
      const text = this.utf8.decode(bytes);
      if (text.trim() === '') return;
      value = this.parse(text);
    } catch {
      // The parser's message quotes the line; keep content out of errors and logs.
      this.badLine(length, 'is not valid UTF-8 JSON');
      return;
    }
    if (!isPlainObject(value)) {
      this.badLine(length, 'is not a JSON object');
      return;
    }
    this.onEvent(value);
  }

  private badLine(length: number, what: string): void {
    this.onError(
      new AutohealError(ErrorCode.IcingaStreamBadLine, `icinga stream: line ${this.lineNumber} (${length} bytes) ${what}`, {
        details: { line: this.lineNumber, bytes: length },
      }),
    );
  }
}
