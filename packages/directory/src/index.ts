export {
  type Agency,
  isHubId,
  isTier,
  TIER_LABELS,
  TIERS,
  type Tier,
  UPSTREAM_HUB,
} from "./agency.js";
export { applyEdit, type DirectoryEdit, type EditResult } from "./changes.js";
export { demoNetwork } from "./demo.js";
export { Directory, type Resolution } from "./directory.js";
export { DirectoryError, type DirectoryErrorCode } from "./errors.js";
export {
  DIRECTORY_FORMAT,
  type DirectoryJson,
  parseDirectoryJson,
  toDirectoryJson,
} from "./json.js";
export {
  compareOrganIds,
  isOrganId,
  type Level1Kind,
  level1Kind,
  level1Of,
  type OrganId,
  type OrganIdLevel,
  organIdLevel,
  parentOf,
  parseOrganId,
} from "./organ-id.js";
export {
  importTayNinhTsv,
  type TayNinhImport,
  type TayNinhImportOptions,
  type TsvSkip,
} from "./tay-ninh.js";
export { isDirectoryTsv, parseDirectoryTsv } from "./tsv.js";
