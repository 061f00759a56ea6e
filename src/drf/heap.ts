// A binary min-heap: O(n) to build, O(log n) per pop. Lets a decision take
// agents in DRF order one at a time instead of sorting them all.
export class MinHeap<T> {
  private readonly a: T[];

  constructor(
    private readonly cmp: (x: T, y: T) => number,
    items: T[],
  ) {
    this.a = items;
    for (let i = (this.a.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get size(): number {
    return this.a.length;
  }

  pop(): T | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0] as T;
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }

  private down(i: number): void {
    const a = this.a;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.cmp(a[l] as T, a[m] as T) < 0) m = l;
      if (r < n && this.cmp(a[r] as T, a[m] as T) < 0) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m] as T, a[i] as T];
      i = m;
    }
  }
}
