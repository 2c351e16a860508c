/** Stable codes of what this package throws; messages may change, codes do not. */
export type BackupErrorCode =
  /** The file is not a backup, or a part's size, row count or SHA-256 differs from the manifest. */
  | "BACKUP_DAMAGED"
  /** restore: the target database holds collections already (use --force to replace them). */
  | "BACKUP_TARGET_NOT_EMPTY"
  /** backup: the database changed under the copy in a way it cannot resolve; run it again. */
  | "BACKUP_INCONSISTENT"
  /** restore: the restored receipt chain or its signed head does not verify. */
  | "BACKUP_CHAIN_INVALID";

export class BackupError extends Error {
  readonly code: BackupErrorCode;

  constructor(code: BackupErrorCode, message: string) {
    super(message);
    this.name = "BackupError";
    this.code = code;
  }
}
