import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { DeliberationSummary } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { ROLES } from '../councils/roles.js';
import { durationSeries, scoreDistribution } from './filter.js';

// One colour per role, readable on the light and the dark background alike.
const ROLE_COLOURS: Readonly<Record<string, string>> = {
  DEV: '#4e79a7',
  QA: '#f28e2b',
  ARCHITECT: '#59a14f',
  DEVOPS: '#b07aa1',
  DATA: '#e15759',
};

const CHART_STYLE = { width: '100%', height: 220 };

export function HistoryCharts({ rows }: { readonly rows: readonly DeliberationSummary[] }) {
  if (rows.length === 0) return null;
  return (
    <div className="charts">
      <figure>
        <figcaption>Duration of each deliberation (seconds), oldest first</figcaption>
        <BarChart responsive style={CHART_STYLE} data={durationSeries(rows)}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" />
          <YAxis />
          <Tooltip />
          <Bar dataKey="seconds" name="seconds" fill="#4e79a7" isAnimationActive={false} />
        </BarChart>
      </figure>
      <figure>
        <figcaption>Winning scores per role (how many fell in each range)</figcaption>
        <BarChart responsive style={CHART_STYLE} data={scoreDistribution(rows)}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="bucket" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          {ROLES.map((role) => (
            <Bar key={role} dataKey={role} stackId="roles" fill={ROLE_COLOURS[role]} isAnimationActive={false} />
          ))}
        </BarChart>
      </figure>
    </div>
  );
}
