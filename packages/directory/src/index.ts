export { DirectoryError, type DirectoryErrorCode } from "./errors.js";
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
