// Per-partition error fields on the wire: Kafka's code, name and a message (DESIGN.md section 5).
import { KAFKA_ERRORS, KafkaError } from "@replog/protocol";

export interface ErrorFields {
  errorCode: number;
  errorName: string;
  errorMessage: string;
}

export const NO_ERROR: ErrorFields = { errorCode: 0, errorName: "NONE", errorMessage: "" };

export function errorFields(name: string, message?: string): ErrorFields {
  const info = KAFKA_ERRORS[name];
  return { errorCode: info?.code ?? -1, errorName: info ? name : "UNKNOWN_SERVER_ERROR", errorMessage: message ?? info?.message ?? name };
}

/** A thrown storage or codec error as wire fields; anything else is UNKNOWN_SERVER_ERROR. */
export function errorFieldsOf(e: unknown): ErrorFields {
  if (e instanceof KafkaError) return { errorCode: e.code, errorName: e.type, errorMessage: e.message };
  return errorFields("UNKNOWN_SERVER_ERROR", (e as Error)?.message ?? String(e));
}
