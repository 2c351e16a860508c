export {
  edxmlDate,
  edxmlTimestamp,
  parseEdxmlTime,
  startOfVietnamDay,
  VIETNAM_OFFSET_MS,
  type VietnamParts,
  vietnamDay,
  vietnamMonth,
  vietnamParts,
} from "./vietnam.js";
