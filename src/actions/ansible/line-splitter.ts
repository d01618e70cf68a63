/**
 * @module Splits a text stream into lines with a bound on line length, so one endless line
 * (a huge registered result printed as one JSON event) cannot exhaust memory.
 */

/** Feeds text chunks in, hands complete lines (without `\n` / `\r\n`) to `onLine`. */
export class LineSplitter {
  private partial = '';
  private overflowing = false;

  /**
   * @param maxLineChars a longer line is cut at this many UTF-16 units; the rest up to the next
   *   newline is discarded and the cut line is passed on with `truncated = true`
   */
  constructor(
    private readonly maxLineChars: number,
    private readonly onLine: (line: string, truncated: boolean) => void,
  ) {}

  /** Takes the next chunk of decoded text. */
  write(chunk: string): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl === -1) {
        this.append(chunk.slice(start));
        return;
      }
      this.append(chunk.slice(start, nl));
      this.emit();
      start = nl + 1;
    }
  }

  /** Passes on a last line that had no trailing newline. */
  end(): void {
    if (this.partial !== '' || this.overflowing) this.emit();
  }

  private append(text: string): void {
    if (this.overflowing) return;
    const room = this.maxLineChars - this.partial.length;
    if (text.length > room) {
      this.partial += text.slice(0, room);
      this.overflowing = true;
    } else {
      this.partial += text;
    }
  }

  private emit(): void {
    const line = this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial;
    const truncated = this.overflowing;
    this.partial = '';
    this.overflowing = false;
    this.onLine(line, truncated);
  }
}
