/**
 * The label week's active users as one sorted Float64Array (8 bytes a user, no Set of 10M
 * entries), added part by part and looked up by binary search: what labels a train-week user.
 */
export class ActiveUsersBuilder {
  #ids = new Float64Array(1024);
  #count = 0;

  add(ids: ArrayLike<number>): void {
    if (this.#count + ids.length > this.#ids.length) {
      const grown = new Float64Array(Math.max(this.#ids.length * 2, this.#count + ids.length));
      grown.set(this.#ids.subarray(0, this.#count));
      this.#ids = grown;
    }
    for (let i = 0; i < ids.length; i++) this.#ids[this.#count + i] = ids[i]!; // i < ids.length
    this.#count += ids.length;
  }

  /** Sorted, each id once (a user active in several parts counts once). */
  build(): ActiveUsers {
    const ids = this.#ids.subarray(0, this.#count).sort();
    let unique = 0;
    for (let i = 0; i < ids.length; i++) if (i === 0 || ids[i] !== ids[unique - 1]) ids[unique++] = ids[i]!;
    this.#ids = new Float64Array(0);
    return new ActiveUsers(ids.slice(0, unique));
  }
}

export class ActiveUsers {
  readonly #ids: Float64Array;

  constructor(sortedUniqueIds: Float64Array) {
    this.#ids = sortedUniqueIds;
  }

  get size(): number {
    return this.#ids.length;
  }

  has(id: number): boolean {
    let lo = 0;
    let hi = this.#ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.#ids[mid]!; // lo ≤ mid ≤ hi < length
      if (at === id) return true;
      if (at < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}
