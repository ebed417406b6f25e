/**
 * The stage timeline as inline SVG: one row per stage, a bar from its start to its end (or to now while it runs) on
 * a shared time axis. The SVG is labelled for screen readers; the stage table beside it carries the same facts.
 */
import type { StageRecord } from "../workflow/model.js";
import { eta } from "./page.js";

const WIDTH = 900;
const LABEL = 140;
const ROW = 24;
const TOP = 8;
const AXIS = 28;
const TICKS = 5;

const ms = (at: string): number => new Date(at).getTime();

/** `+1m30s`-style offsets for the axis. */
export function offsetLabel(offsetMs: number): string {
  const seconds = Math.round(offsetMs / 1000);
  if (seconds < 60) return `+${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `+${minutes}m${seconds % 60 ? `${seconds % 60}s` : ""}`;
  return `+${Math.floor(minutes / 60)}h${minutes % 60 ? `${minutes % 60}m` : ""}`;
}

export interface TimelineBar {
  name: string;
  state: string;
  x: number;
  y: number;
  width: number;
  label: string;
}

/** The geometry, separate from the markup so that it can be tested as numbers. */
export function timelineLayout(
  stages: readonly StageRecord[],
  now: Date,
): { bars: TimelineBar[]; ticks: { x: number; label: string }[]; height: number; spanMs: number } {
  if (stages.length === 0) return { bars: [], ticks: [], height: 0, spanMs: 0 };
  const start = Math.min(...stages.map((s) => ms(s.startedAt)));
  const end = Math.max(...stages.map((s) => (s.endedAt ? ms(s.endedAt) : Math.max(ms(s.startedAt), now.getTime()))));
  const spanMs = Math.max(1000, end - start);
  const scale = (WIDTH - LABEL - 10) / spanMs;
  const bars = stages.map((s, index) => {
    const from = ms(s.startedAt);
    const to = s.endedAt ? ms(s.endedAt) : Math.max(from, now.getTime());
    const seconds = Math.round((to - from) / 1000);
    return {
      name: s.name,
      state: s.state,
      x: LABEL + (from - start) * scale,
      y: TOP + index * ROW,
      width: Math.max(3, (to - from) * scale),
      label: `${s.name}: ${s.state}, ${seconds} s${s.note ? ` (${s.note})` : ""}`,
    };
  });
  const ticks = Array.from({ length: TICKS + 1 }, (_, i) => ({
    x: LABEL + (i * (WIDTH - LABEL - 10)) / TICKS,
    label: offsetLabel((i * spanMs) / TICKS),
  }));
  return { bars, ticks, height: TOP + stages.length * ROW + AXIS, spanMs };
}

const SVG = `<svg class="timeline" viewBox="0 0 <%= it.width %> <%= it.height %>" role="img" aria-labelledby="tl-title tl-desc" xmlns="http://www.w3.org/2000/svg">
<title id="tl-title">Stage timeline</title><desc id="tl-desc"><%= it.description %></desc>
<% it.ticks.forEach(function(t){ %><line class="grid" x1="<%= t.x %>" x2="<%= t.x %>" y1="0" y2="<%= it.axisY %>"/><text class="tl-tick" x="<%= t.x %>" y="<%= it.axisY + 16 %>" text-anchor="middle"><%= t.label %></text>
<% }) %><line class="axis" x1="<%= it.label %>" x2="<%= it.width - 10 %>" y1="<%= it.axisY %>" y2="<%= it.axisY %>"/>
<% it.bars.forEach(function(b){ %><g><title><%= b.label %></title><text class="tl-label" x="4" y="<%= b.y + 15 %>"><%= b.name %></text><rect class="bar-<%= b.state %>" x="<%= b.x.toFixed(1) %>" y="<%= b.y + 3 %>" width="<%= b.width.toFixed(1) %>" height="16" rx="2"/></g>
<% }) %></svg>`;

export function timelineSvg(stages: readonly StageRecord[], now: Date): string {
  const layout = timelineLayout(stages, now);
  if (layout.bars.length === 0) return "";
  return eta.renderString(SVG, {
    ...layout,
    width: WIDTH,
    label: LABEL,
    axisY: layout.height - AXIS,
    description: layout.bars.map((b) => b.label).join("; "),
  });
}
