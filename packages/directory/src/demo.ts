import type { Agency, Tier } from "./agency.js";
import { type DirectoryJson, toDirectoryJson } from "./json.js";
import { parseOrganId } from "./organ-id.js";

type Row = [
  id: string,
  name: string,
  tier: Tier,
  parent: string | undefined,
  validFrom: string,
  extra?: { validTo?: string; successor?: string; email?: string },
];

const FROM = "2016-01-01";
const PROVINCE = "000.00.00.H45";
const TUY_HOA = "000.00.30.H45";
const SONG_CAU = "000.00.31.H45";
/** Day the district tier ended (Nghị quyết 202/2025/QH15 and the 2025 local-government law). */
const REFORM = "2025-07-01";

/*
 * A Phú Yên-shaped province (H45; its real lower codes are not public, these are made up)
 * plus the Government Office. Deliberate simplifications: the province and Tuy Hòa stay
 * active after 2025 so demos can still send commune -> district -> department letters;
 * in reality Phú Yên merged into Đắk Lắk and districts were abolished on 2025-07-01.
 */
const ROWS: readonly Row[] = [
  ["000.00.00.G22", "Văn phòng Chính phủ", "central", undefined, FROM],
  [
    PROVINCE,
    "Ủy ban nhân dân tỉnh Phú Yên",
    "province",
    undefined,
    FROM,
    { email: "ubnd@phuyen.example" },
  ],
  [
    "000.00.01.H45",
    "Văn phòng Ủy ban nhân dân tỉnh Phú Yên",
    "department",
    PROVINCE,
    FROM,
    { email: "vanphong@phuyen.example" },
  ],
  [
    "000.00.02.H45",
    "Sở Nội vụ tỉnh Phú Yên",
    "department",
    PROVINCE,
    FROM,
    { email: "sonv@phuyen.example" },
  ],
  ["000.00.03.H45", "Sở Tài chính tỉnh Phú Yên", "department", PROVINCE, FROM],
  ["000.00.04.H45", "Sở Khoa học và Công nghệ tỉnh Phú Yên", "department", PROVINCE, FROM],
  // Merged into Sở Khoa học và Công nghệ in the March 2025 reorganisation of departments.
  [
    "000.00.05.H45",
    "Sở Thông tin và Truyền thông tỉnh Phú Yên",
    "department",
    PROVINCE,
    FROM,
    { validTo: "2025-03-01", successor: "000.00.04.H45" },
  ],
  [
    "000.01.04.H45",
    "Chi cục Tiêu chuẩn Đo lường Chất lượng tỉnh Phú Yên",
    "division",
    "000.00.04.H45",
    FROM,
  ],

  // Tuy Hòa: kept active as a district (see the note above).
  [
    TUY_HOA,
    "Ủy ban nhân dân thành phố Tuy Hòa",
    "district",
    PROVINCE,
    FROM,
    { email: "ubnd.tuyhoa@phuyen.example" },
  ],
  ["000.01.30.H45", "Văn phòng HĐND và UBND thành phố Tuy Hòa", "division", TUY_HOA, FROM],
  ["000.02.30.H45", "Phòng Tài chính - Kế hoạch thành phố Tuy Hòa", "division", TUY_HOA, FROM],
  ["000.20.30.H45", "Ủy ban nhân dân Phường 1, thành phố Tuy Hòa", "commune", TUY_HOA, FROM],
  [
    "000.21.30.H45",
    "Ủy ban nhân dân Phường 2, thành phố Tuy Hòa",
    "commune",
    TUY_HOA,
    FROM,
    { validTo: REFORM, successor: "000.20.30.H45" },
  ],
  ["000.22.30.H45", "Ủy ban nhân dân xã Bình Kiến, thành phố Tuy Hòa", "commune", TUY_HOA, FROM],
  // An earlier merger, so a 2-step successor chain exists: Phường 3 -> Phường 2 -> Phường 1.
  [
    "000.23.30.H45",
    "Ủy ban nhân dân Phường 3, thành phố Tuy Hòa",
    "commune",
    TUY_HOA,
    FROM,
    { validTo: "2020-01-01", successor: "000.21.30.H45" },
  ],

  // Sông Cầu: the district tier ends on 2025-07-01 as in the real reform.
  [
    SONG_CAU,
    "Ủy ban nhân dân thị xã Sông Cầu",
    "district",
    PROVINCE,
    FROM,
    { validTo: REFORM, successor: PROVINCE },
  ],
  [
    "000.01.31.H45",
    "Phòng Nội vụ thị xã Sông Cầu",
    "division",
    SONG_CAU,
    FROM,
    { validTo: REFORM },
  ],
  [
    "000.20.31.H45",
    "Ủy ban nhân dân phường Xuân Phú, thị xã Sông Cầu",
    "commune",
    SONG_CAU,
    FROM,
    { validTo: REFORM },
  ],
  // Same code after the reform, now directly under the province: the parent is data.
  ["000.20.31.H45", "Ủy ban nhân dân phường Xuân Phú", "commune", PROVINCE, REFORM],
  [
    "000.21.31.H45",
    "Ủy ban nhân dân xã Xuân Lâm, thị xã Sông Cầu",
    "commune",
    SONG_CAU,
    FROM,
    { validTo: REFORM, successor: "000.20.31.H45" },
  ],
];

/** A small, valid directory for demos and tests; a fresh copy on every call. */
export function demoNetwork(): DirectoryJson {
  const agencies = ROWS.map(([id, name, tier, parent, validFrom, extra = {}]): Agency => {
    const a: Agency = { id: parseOrganId(id), name, tier, validFrom };
    if (parent !== undefined) a.parent = parseOrganId(parent);
    if (extra.validTo !== undefined) a.validTo = extra.validTo;
    if (extra.successor !== undefined) a.successor = parseOrganId(extra.successor);
    if (extra.email !== undefined) a.email = extra.email;
    return a;
  });
  return toDirectoryJson(agencies);
}
