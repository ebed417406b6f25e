/**
 * The fleet pages of the dashboard: the waves, and one wave as a matrix of clusters by stage with their states, the
 * gates waiting and who must act. Rendered on the server from the wave resource (lib/fleet/resource.ts); read only.
 */
import type { WaveResource } from "../fleet/resource.js";
import { eta } from "./page.js";

const WAVE = `<h1>Wave <%= it.wave.id %></h1>
<div class="card"><p><strong><%= it.wave.strategy %></strong> to <strong><%= it.wave.targetRelease %></strong> · status <strong><%= it.wave.status %></strong><% if (it.wave.stopped) { %> (stop asked)<% } %><% if (it.wave.current) { %> · stage <%= it.wave.current %><% } %> · requested by <%= it.wave.requestedBy %></p>
<% if (it.wave.reason) { %><p><%= it.wave.reason %></p><% } %></div>
<% if (it.wave.waiting.length) { %><h2>Waiting for people</h2><div class="card"><ul><% it.wave.waiting.forEach(function(w){ %><li>Approval <%= w.where %> stage <strong><%= w.stage %></strong>: <%= w.approvers.join(", ") %> must act (links were e-mailed)</li><% }) %></ul></div><% } %>
<h2>Clusters by stage</h2>
<table aria-label="Clusters by stage"><tr><th scope="col">Stage</th><th scope="col">Limits</th><th scope="col">Clusters</th></tr>
<% it.wave.stages.forEach(function(s){ %><tr><th scope="row"><%= s.name %><% if (s.outcome) { %><br><small><%= s.outcome %></small><% } %><% if (s.soakUntil) { %><br><small>soak until <%= s.soakUntil %></small><% } %></th>
<td>max <%= s.maxConcurrency %> at once, <%= s.maxAllowedFailures %> failure(s) allowed</td>
<td><% s.clusters.forEach(function(c){ %><span class="cell <%= c.state %>" title="<%= c.group %>"><% if (c.runId) { %><a href="../runs/<%= c.runId %>"><%= c.cluster %></a><% } else { %><%= c.cluster %><% } %>: <%= c.state %></span> <% }) %></td></tr><% }) %>
</table>
<h2>Gates</h2><% if (!it.wave.gates.length) { %><p>None reached yet.</p><% } else { %><ul><% it.wave.gates.forEach(function(g){ %><li><%= g.type %> <%= g.where %> <%= g.stage %>: <strong><%= g.state %></strong><% if (g.opensAt) { %> (opens <%= g.opensAt %>)<% } %><% if (g.note) { %> · <%= g.note %><% } %></li><% }) %></ul><% } %>
<h2>Events</h2><ul><% it.wave.events.forEach(function(e){ %><li><time><%= e.at %></time> <%= e.message %></li><% }) %></ul>
<p>Controls: <code>cluedin-upgrade wave stop|resume|skip|retry <%= it.wave.id %></code></p>`;

const LIST = `<h1>Waves</h1><% if (!it.waves.length) { %><p>No wave yet. Start one with <code>cluedin-upgrade wave start &lt;strategy&gt; &lt;release&gt;</code>.</p><% } else { %>
<table aria-label="Waves"><tr><th scope="col">Wave</th><th scope="col">Strategy</th><th scope="col">Release</th><th scope="col">Status</th><th scope="col">Started</th></tr>
<% it.waves.forEach(function(w){ %><tr><td><a href="waves/<%= w.id %>"><%= w.id %></a></td><td><%= w.strategy %></td><td><%= w.targetRelease %></td><td><%= w.status %></td><td><%= w.createdAt || "" %></td></tr><% }) %></table><% } %>`;

export const STYLE = `<style>.cell{display:inline-block;padding:2px 6px;margin:2px;border-radius:4px;background:#eee}.cell.succeeded{background:#d4f7d4}.cell.failed{background:#f7d4d4}.cell.running{background:#d4e4f7}.cell.pending{background:#f7f0d4}.cell.skipped,.cell.not-started{background:#ddd;color:#555}</style>`;

export const wavePage = (wave: WaveResource): string => STYLE + eta.renderString(WAVE, { wave });
export const wavesPage = (
  waves: readonly Pick<WaveResource, "id" | "strategy" | "targetRelease" | "status" | "createdAt">[],
): string => eta.renderString(LIST, { waves });
