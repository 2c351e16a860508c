import { Directory, demoNetwork, type OrganId, parseOrganId } from "@edoc/directory";
import type { Business, Letter } from "@edoc/edxml";

export const id = (raw: string): OrganId => parseOrganId(raw);

/** Demo network codes (a Phú Yên-shaped province, see @edoc/directory's demoNetwork). */
export const GOV_OFFICE = id("000.00.00.G22");
export const PROVINCE = id("000.00.00.H45");
export const SO_NOI_VU = id("000.00.02.H45");
export const SO_KHCN = id("000.00.04.H45");
/** Sở Thông tin và Truyền thông, merged into Sở KH&CN on 2025-03-01 */
export const SO_TTTT = id("000.00.05.H45");
export const TUY_HOA = id("000.00.30.H45");
export const PHUONG_1 = id("000.20.30.H45");
/** closed 2025-07-01, successor Phường 1 */
export const PHUONG_2 = id("000.21.30.H45");
/** closed 2020-01-01, successor Phường 2 */
export const PHUONG_3 = id("000.23.30.H45");
/** district closed 2025-07-01, successor the province */
export const SONG_CAU = id("000.00.31.H45");
/** closed 2025-07-01 without successor */
export const PHONG_NOI_VU_SONG_CAU = id("000.01.31.H45");
export const XUAN_PHU = id("000.20.31.H45");
/** closed 2025-07-01, successor Xuân Phú */
export const XUAN_LAM = id("000.21.31.H45");
export const NOWHERE = id("000.00.99.H45");

export const BEFORE_REFORM = new Date("2024-06-03T02:00:00Z");
export const AFTER_REFORM = new Date("2025-07-15T02:00:00Z");

export function demoDirectory(): Directory {
  return Directory.fromAgencies(demoNetwork().agencies);
}

export function letter(
  from: OrganId,
  to: OrganId[],
  business: Business = { docType: "new" },
): Letter {
  return {
    kind: "letter",
    header: {
      from: { organId: from },
      to: to.map((organId) => ({ organId })),
      documentId: `${from},2025/07/15,12/UBND-VP`,
      code: { number: "12", notation: "UBND-VP" },
      promulgation: { date: "2025/07/15" },
      subject: "Về việc báo cáo",
      toPlaces: [],
      responseFor: [],
    },
    traces: [],
    business,
    manifest: [],
    attachments: [],
    hasSignature: true,
  };
}
