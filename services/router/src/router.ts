import { type Bus, PermanentError } from "@edoc/bus";
import type { Directory, OrganId } from "@edoc/directory";
import { type PlannedDelivery, RouteRequest, type RoutingPlanMessage } from "@edoc/messages";
import { deliveryIdFor, planRecipients, planStatusTargets } from "@edoc/routing";
import type { Logger } from "@edoc/runtime";

export interface RouterDeps {
  bus: Bus;
  /** The directory in force; a function so that a reload takes effect on the next packet. */
  directory: () => Directory;
  log: Logger;
  prefetch?: number;
  /** This hub has an upstream (EDOC_UPSTREAM_URL): what it does not know goes there. */
  upstream?: boolean;
}

/**
 * Turns each accepted packet into a routing plan: one delivery per final recipient, resolved
 * through the directory as it stands at routing time (successor codes applied), and the
 * recipients it must return to the sender. The router keeps no state: delivery ids are
 * derived from the packet and the recipient, so a redelivered packet yields the same plan
 * and the archive's unique keys absorb it.
 */
export function createRouter(deps: RouterDeps) {
  const plan = (req: RouteRequest, at: Date): RoutingPlanMessage => {
    const delivery = (
      recipient: OrganId,
      addressedTo: OrganId,
      via: OrganId[],
      hub: string | undefined,
    ): PlannedDelivery => ({
      deliveryId: deliveryIdFor(req.hubDocumentId, recipient),
      recipient,
      addressedTo,
      via,
      ...(hub !== undefined && { hub }),
    });
    const options = {
      upstream: deps.upstream ?? false,
      ...(req.fromHub !== undefined && { fromHub: req.fromHub }),
    };
    if (req.kind === "status") {
      // 13 (take back) goes from the original sender to every recipient; every other status
      // goes back to the original sender, through the hub that serves it (the letter's path).
      const status = req.status;
      if (!status) throw new PermanentError("ROUTE_INVALID", "status packet without a status");
      const s = planStatusTargets(
        {
          code: status.code,
          originalSender: (req.originalSender ?? status.responseForOrganId) as OrganId,
          originalRecipients: (req.originalRecipients ?? []) as OrganId[],
        },
        deps.directory(),
        at,
        options,
      );
      return {
        hubDocumentId: req.hubDocumentId,
        deliveries: s.targets.map((t) => delivery(t.recipient, t.recipient, [], t.hub)),
        returned: s.returned,
        withdraw: false,
        plannedAt: at.toISOString(),
      };
    }
    const p = planRecipients(
      req.from as OrganId,
      req.to as OrganId[],
      deps.directory(),
      at,
      options,
    );
    return {
      hubDocumentId: req.hubDocumentId,
      deliveries: p.deliveries.map((d) => delivery(d.recipient, d.addressedTo, d.via, d.hub)),
      returned: p.returned.map((r) => ({
        addressedTo: r.addressedTo,
        reason: r.reason,
        message: r.message,
      })),
      withdraw: req.docType === "revoke",
      plannedAt: at.toISOString(),
    };
  };

  return {
    plan,
    async start(): Promise<void> {
      await deps.bus.consume(
        "router.inbound",
        async (msg) => {
          const parsed = RouteRequest.safeParse(msg.json());
          if (!parsed.success) {
            throw new PermanentError(
              "ROUTE_INVALID",
              parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
            );
          }
          const req = parsed.data;
          const log = deps.log.child({ docId: req.hubDocumentId });
          const out = plan(req, new Date());
          await deps.bus.publishJson("archive.plans", out, {
            messageId: `plan:${req.hubDocumentId}`,
            correlationId: req.hubDocumentId,
          });
          log.info(
            {
              deliveries: out.deliveries.length,
              returned: out.returned.length,
              withdraw: out.withdraw,
            },
            "routed",
          );
        },
        { prefetch: deps.prefetch ?? 32 },
      );
    },
  };
}
