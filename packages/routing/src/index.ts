export {
  DEFAULT_DEADLINE_POLICY,
  type DeadlinePolicy,
  isOverdue,
  receiptDeadline,
} from "./deadline.js";
export { deliveryIdFor } from "./delivery-id.js";
export { RoutingError, type RoutingErrorCode } from "./errors.js";
export {
  type HubId,
  hubOf,
  planStatusTargets,
  type RouteOptions,
  type StatusInput,
  type StatusTarget,
} from "./hubs.js";
export {
  checkSender,
  type Delivery,
  planLetter,
  planRecipients,
  type RecipientPlan,
  type Returned,
  type ReturnReason,
  type RoutingPlan,
  type SenderCheck,
} from "./plan.js";
export {
  decideStatus,
  isKnownStatusCode,
  KNOWN_STATUS_CODES,
  type KnownStatusCode,
  normalizeStatusCode,
  type StatusDecision,
  type StatusEvent,
  type StatusRefusalCode,
  type StatusRole,
  statusName,
} from "./status.js";
