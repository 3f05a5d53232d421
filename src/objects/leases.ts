/**
 * Who still needs the blobs of an object: readers streaming it, writers
 * between committing a row and committing its blob. Blobs let go of by a
 * write wait in the trash until nobody holds the object, so a GET during an
 * overwrite streams the whole old version. One process owns its local disk,
 * so these live in memory.
 */
export class ObjectLeases {
  private readonly held = new Map<string, number>();

  constructor(private readonly onFree: (bucket: string, key: string) => void) {}

  private static id(bucket: string, key: string): string {
    return `${bucket}/${key}`;
  }

  /** Takes a lease; call the returned function exactly once to give it back. */
  acquire(bucket: string, key: string): () => void {
    const id = ObjectLeases.id(bucket, key);
    this.held.set(id, (this.held.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(id) ?? 1) - 1;
      if (left > 0) {
        this.held.set(id, left);
        return;
      }
      this.held.delete(id);
      this.onFree(bucket, key);
    };
  }

  isHeld(bucket: string, key: string): boolean {
    return this.held.has(ObjectLeases.id(bucket, key));
  }
}
