/**
 * @module A bounded ring buffer of output lines. Playbook output can be unbounded; the outcome
 * record only needs the end of it, and execa's `maxBuffer` is no cap (it kills the child), see
 * shared/spec/stack.md §5.
 */

const TRUNCATED_SUFFIX = ' …[truncated]';

/** The last lines of a stream, bounded both in line count and in UTF-8 bytes. */
export class OutputTail {
  private readonly lines: string[] = [];
  private readonly sizes: number[] = [];
  private bytes = 0;
  private dropped = 0;

  /**
   * @param maxLines most lines kept (≥ 1)
   * @param maxBytes most UTF-8 bytes kept, newlines included (≥ 64); a longer single line is
   *   cut to fit
   */
  constructor(
    private readonly maxLines: number,
    private readonly maxBytes: number,
  ) {
    if (!Number.isInteger(maxLines) || maxLines < 1) throw new RangeError(`maxLines must be ≥ 1, got ${maxLines}`);
    if (!Number.isInteger(maxBytes) || maxBytes < 64) throw new RangeError(`maxBytes must be ≥ 64, got ${maxBytes}`);
  }

  /** Appends one line (without its newline), evicting the oldest lines to stay in bounds. */
  push(line: string): void {
    let text = line;
    let size = Buffer.byteLength(text) + 1;
    if (size > this.maxBytes) {
      text = cutToBytes(text, this.maxBytes - 1 - Buffer.byteLength(TRUNCATED_SUFFIX)) + TRUNCATED_SUFFIX;
      size = Buffer.byteLength(text) + 1;
    }
    this.lines.push(text);
    this.sizes.push(size);
    this.bytes += size;
    while (this.lines.length > this.maxLines || this.bytes > this.maxBytes) {
      this.lines.shift();
      this.bytes -= this.sizes.shift() ?? 0;
      this.dropped += 1;
    }
  }

  /** How many lines were evicted so far. */
  get droppedLines(): number {
    return this.dropped;
  }

  /**
   * The kept lines joined by newlines. When lines were evicted, a first line says how many, so
   * a reader knows the tail is not the whole output (it is not counted in the bounds).
   */
  toString(): string {
    const body = this.lines.join('\n');
    return this.dropped === 0 ? body : `[… ${this.dropped} earlier lines dropped]\n${body}`;
  }
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a character. */
function cutToBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += ch.length;
  }
  return text.slice(0, end);
}
