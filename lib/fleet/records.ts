/** Where a wave's audit record is kept: once, under a key derived from its id, in the audit sink's write-once store. */
export const waveRecordKey = (waveId: string): string => JSON.stringify(["wave-record", waveId]);
