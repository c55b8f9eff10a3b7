// Typed errors of the store. Messages never contain key material, plaintext secrets or hashes.

import { GatewayError } from "../errors/api-error";

export class StoreError extends Error {
  override name = "StoreError";
}

/** An active key already has this name. */
export class DuplicateKeyNameError extends StoreError {
  override name = "DuplicateKeyNameError";
  constructor(readonly keyName: string) {
    super(`a key named "${keyName}" already exists; revoke it first or choose another name`);
  }
}

export class InvalidKeyNameError extends StoreError {
  override name = "InvalidKeyNameError";
  constructor(readonly keyName: string) {
    super(`invalid key name ${JSON.stringify(keyName.slice(0, 80))}: use 1-64 characters from a-z A-Z 0-9 . _ -`);
  }
}

export class DuplicateRequestIdError extends StoreError {
  override name = "DuplicateRequestIdError";
  constructor(readonly requestId: string) {
    super(`a request with id "${requestId}" is already logged`);
  }
}

export class InvalidRequestRowError extends StoreError {
  override name = "InvalidRequestRowError";
  constructor(readonly field: string, problem: string) {
    super(`request row: ${field}: ${problem}`);
  }
}

/** A `before` cursor that is not one this store handed out: the client's mistake (400 naming `before`). */
export class InvalidCursorError extends GatewayError {
  override name = "InvalidCursorError";
  constructor() {
    super("invalid cursor: pass the nextCursor of a previous page unchanged", { status: 400, code: "invalid_value", param: "before" });
  }
}

/** A query argument out of range (times, bucket size, limit): the client's mistake (400 naming the field). */
export class InvalidQueryError extends GatewayError {
  override name = "InvalidQueryError";
  constructor(readonly field: string, problem: string) {
    super(`${field}: ${problem}`, { status: 400, code: "invalid_value", param: field });
  }
}

export class InvalidMasterKeyError extends StoreError {
  override name = "InvalidMasterKeyError";
  constructor(length: number) {
    super(`the master key must be exactly 32 bytes (got ${length}); generate one with: openssl rand -base64 32`);
  }
}

/**
 * A stored secret cannot be decrypted: `reason` "wrong-key" when the master key is not the one it
 * was stored with, "tampered" when the key matches but the stored row was altered.
 */
export class SecretDecryptError extends StoreError {
  override name = "SecretDecryptError";
  constructor(
    readonly lane: string,
    readonly reason: "wrong-key" | "tampered",
  ) {
    super(
      reason === "wrong-key"
        ? `cannot decrypt the stored secret of lane "${lane}": the master key (CODEX_LANES_MASTER_KEY) does not match ` +
            `the one used to store it. Restore the original master key, or store the secret again.`
        : `cannot decrypt the stored secret of lane "${lane}": the stored value was altered or damaged ` +
            `(the master key matches). Store the secret again.`,
    );
  }
}

export class StoreClosedError extends StoreError {
  override name = "StoreClosedError";
  constructor() {
    super("the store is closed");
  }
}
