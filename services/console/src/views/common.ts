import type { Directory } from "@edoc/directory";
import { type Html, html } from "../html.js";
import { agencyName, stateLabel, statusLabel } from "../labels.js";

/** An agency: its name from the directory and its code. */
export function agency(directory: Directory, id: string): Html {
  const name = agencyName(directory, id);
  return name
    ? html`<span class="agency"><span class="name">${name}</span> <code>${id}</code></span>`
    : html`<span class="agency"><code>${id}</code></span>`;
}

export function stateBadge(state: string): Html {
  return html`<span class="badge state-${state}">${stateLabel(state)}</span>`;
}

export function statusBadge(code: string | undefined): Html {
  return code === undefined
    ? html`<span class="muted">chưa có trạng thái</span>`
    : html`<span class="badge status">${statusLabel(code)}</span>`;
}
