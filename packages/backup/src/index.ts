export { backupDatabase } from "./backup.js";
export { BackupError, type BackupErrorCode } from "./errors.js";
export {
  BACKUP_FORMAT,
  type BackupCut,
  BackupManifest,
  type BackupPart,
} from "./manifest.js";
export {
  type ChainCheck,
  checkChain,
  type RestoreOptions,
  type RestoreReport,
  restoreDatabase,
  type VerifiedBackup,
  verifyBackup,
} from "./restore.js";
export { listTar, type TarEntry } from "./tar.js";
