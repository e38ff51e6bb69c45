/**
 * A step's output kept within a byte budget: the head and the tail survive (the start says what the
 * program set out to do, the end how it finished); the middle is dropped and the gap is marked.
 */
export class BoundedOutput {
  private head = '';
  private tail = '';
  private dropped = 0;

  constructor(private readonly limitBytes: number) {}

  append(text: string): void {
    const half = Math.floor(this.limitBytes / 2);
    if (
      this.dropped === 0 &&
      this.tail === '' &&
      Buffer.byteLength(this.head) + Buffer.byteLength(text) <= this.limitBytes
    ) {
      this.head += text;
      return;
    }
    if (this.tail === '' && this.dropped === 0) {
      // First overflow: keep the first half as the head, the rest starts the tail.
      const all = this.head + text;
      this.head = all.slice(0, half);
      this.tail = all.slice(half);
    } else this.tail += text;
    if (this.tail.length > half) {
      this.dropped += Buffer.byteLength(this.tail.slice(0, this.tail.length - half));
      this.tail = this.tail.slice(this.tail.length - half);
    }
  }

  get truncated(): boolean {
    return this.dropped > 0;
  }

  toString(): string {
    return this.dropped > 0
      ? `${this.head}\n… ${this.dropped.toLocaleString('en')} bytes of output dropped …\n${this.tail}`
      : this.head + this.tail;
  }
}
