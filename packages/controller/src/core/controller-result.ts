// What every controller handler returns (Kafka ControllerResult): the records to append to the
// metadata log and the response to send once they commit. Handlers never change manager state;
// only `replay(record)` does, on every controller, in log order (STYLE habit 2).

import type { MetadataRecord } from "@replog/metadata";

export interface ControllerResult<T> {
  readonly records: readonly MetadataRecord[];
  readonly response: T;
}

export function controllerResult<T>(records: readonly MetadataRecord[], response: T): ControllerResult<T> {
  return { records, response };
}
