/**
 * Where the generator's files go. The generator only names files and writes byte chunks;
 * a sink decides whether they land in a directory, in memory, or elsewhere.
 */
export interface SeedFile {
  /**
   * Takes a chunk; may resolve late to hold the generator back (backpressure). With
   * `reusesChunks`, it resolves only once the chunk's bytes are consumed, and the writer
   * then fills the same buffer again; without it, the sink may keep the chunk.
   */
  write(chunk: Uint8Array): Promise<void> | void;
  close(): Promise<void>;
  readonly reusesChunks?: boolean;
}

export interface SeedSink {
  /** Opens a file by name (e.g. `user_events_week0.log.gz`); `gzip` asks for compressed bytes. */
  open(name: string, options: { gzip: boolean }): SeedFile;
}
