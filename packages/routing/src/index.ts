export {
  DEFAULT_DEADLINE_POLICY,
  type DeadlinePolicy,
  isOverdue,
  receiptDeadline,
} from "./deadline.js";
export {
  type DeliveryDecision,
  type DeliveryEvent,
  type DeliveryNow,
  type DeliveryRefusalCode,
  type DeliveryState,
  decideDelivery,
} from "./delivery.js";
export { RoutingError, type RoutingErrorCode } from "./errors.js";
export {
  type HubId,
  hubOf,
  planStatusTargets,
  type RouteOptions,
  type StatusInput,
  type StatusTarget,
} from "./hubs.js";
export { deliveryIdFor, hubDocumentIdFor, isHubDocumentId, type PacketIdentity } from "./ids.js";
export {
  type AnsweredLetter,
  type IncomingStatus,
  type LinkedStatus,
  linkStatus,
  type StatusLink,
} from "./linking.js";
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
