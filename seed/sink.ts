/**
 * Where the generator's files go. The generator only names files and writes byte chunks;
 * a sink decides whether they land in a directory, in memory, or elsewhere.
 */
export interface SeedFile {
  /** Resolves when the chunk may be followed by another (backpressure). The chunk is not reused. */
  write(chunk: Uint8Array): Promise<void> | void;
  close(): Promise<void>;
}

export interface SeedSink {
  /** Opens a file by name (e.g. `user_events_week0.log.gz`); `gzip` asks for compressed bytes. */
  open(name: string, options: { gzip: boolean }): SeedFile;
}
