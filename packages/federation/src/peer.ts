import type { Directory, OrganId } from "@edoc/directory";
import type { HubId } from "@edoc/messages";

export type PeerSenderCheck =
  | { ok: true }
  | { ok: false; code: "SENDER_NOT_REMOTE"; message: string };

/**
 * A peer hub may only bring letters of agencies it serves or carries for others, never one
 * signed in the name of an agency this hub serves itself (that one sends here directly), nor
 * of one the directory gives to another peer. An agency this hub does not know is accepted:
 * the signature is verified as for any letter, and the upstream knows more agencies than we do.
 */
export function checkPeerSender(
  directory: Directory,
  from: OrganId,
  peerHub: HubId,
  at: Date = new Date(),
): PeerSenderCheck {
  const agency = directory.get(from, at) ?? directory.history(from).at(-1);
  if (!agency) return { ok: true };
  if (agency.hub === undefined) {
    return {
      ok: false,
      code: "SENDER_NOT_REMOTE",
      message: `${from} is served by this hub: its letters come from its own system, not from hub ${peerHub}`,
    };
  }
  if (agency.hub !== peerHub && peerHub !== "upstream" && agency.hub !== "upstream") {
    return {
      ok: false,
      code: "SENDER_NOT_REMOTE",
      message: `${from} is served by hub ${agency.hub}, not by ${peerHub}`,
    };
  }
  return { ok: true };
}
