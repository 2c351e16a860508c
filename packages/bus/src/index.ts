export {
  Bus,
  type BusLogger,
  type BusOptions,
  type Handler,
  type InboundMessage,
  type PublishProps,
  type QueueStats,
  RpcBytes,
  type RpcHandler,
  rpcBytesOf,
} from "./bus.js";
export { BusUnavailableError, PermanentError, RpcError, RpcTimeoutError } from "./errors.js";
export {
  BROADCASTS,
  type Broadcast,
  DEAD_QUEUE,
  type QueueName,
  RPC_QUEUES,
  type RpcQueue,
  WORK_QUEUES,
  type WorkQueue,
} from "./topology.js";
