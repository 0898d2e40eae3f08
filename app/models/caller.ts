import type { TranscriptKey } from "~/utils/transcript-crypto.server";

/**
 * The person behind a request, established once per request (app/identity).
 * The data layer takes it wherever a read or write belongs to someone, so
 * scoping by owner is in the signatures, not left to each caller to remember.
 */
export type Caller = {
  readonly userId: string;
  /** Their provider key: calls the provider as them, never stored. */
  readonly apiKey: string;
  /** The keyed hash of their key: their identity, and what their limits count against. */
  readonly userHash: string;
  /** Derived from their key: opens their transcripts. */
  readonly key: TranscriptKey;
  readonly isOperator: boolean;
};
