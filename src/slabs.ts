// Where requests' bytes live on the JavaScript side: the batch buffers the
// engine hands over, and the slabs inline turns copy batches into (see the
// README's "Pull slabs").

// Pull slabs (see `Dispatch.pull`): sizes, and the room below which a new one is made.
export const SLAB_BYTES = 64 * 1024
export const SLAB_WORDS = 16 * 1024
export const SLAB_MIN_ROOM_BYTES = 16 * 1024
export const SLAB_MIN_ROOM_WORDS = 2 * 1024
// Slabs of requests kept past their handler: small, so a long-poll pins little.
export const KEPT_SLAB_BYTES = 8 * 1024
export const KEPT_SLAB_WORDS = 2 * 1024

/**
 * Where requests' bytes and rows live: a batch of its own, a pull slab
 * (shared by many batches, see `Dispatch.pull`), a kept slab (requests kept
 * past their handler), or a large kept request's own copy.
 */
export interface BatchStore {
  readonly data: Buffer
  readonly table: Uint32Array
  readonly userData: unknown
  /** A pull slab: a request kept past its handler takes a copy (`_detach`). */
  readonly pullSlab: boolean
}

/**
 * Slabs that batches (or kept requests) are copied into one after another.
 * A slab is never written twice: when one runs low a new one is made, and
 * the old one lives as long as a request still views it (like Node's own
 * Buffer pool). Data and rows run low at different speeds (4 KiB bodies
 * fill the data long before the rows), so each is renewed on its own.
 */
export class Slabs {
  private current: BatchStore | undefined
  dataAt = 0
  tableAt = 0

  constructor(
    private readonly dataBytes: number,
    private readonly tableWords: number,
    private readonly userData: unknown,
    /** Pull slabs (`BatchStore.pullSlab`), or the small slabs of kept requests. */
    private readonly pullSlab: boolean,
  ) {}

  /** The most data one request may put in a slab of this size. */
  get largest(): number {
    return this.dataBytes >>> 1
  }

  /** A store with room for `bytes` and `words` (or the most a new one has). */
  room(bytes: number, words: number): BatchStore {
    let store = this.current
    const dataLow = store === undefined || store.data.length - this.dataAt < bytes
    const tableLow = store === undefined || store.table.length - this.tableAt < words
    if (dataLow || tableLow) {
      store = this.current = {
        data: dataLow ? Buffer.allocUnsafeSlow(this.dataBytes) : store!.data,
        table: tableLow ? new Uint32Array(this.tableWords) : store!.table,
        userData: this.userData,
        pullSlab: this.pullSlab,
      }
      if (dataLow) this.dataAt = 0
      if (tableLow) this.tableAt = 0
    }
    return store!
  }

  used(bytes: number, words: number): void {
    this.dataAt += bytes
    this.tableAt += words
  }
}
