// A whole process's use of the graph: opened, written, read, closed. Run as a child by the clean-exit
// test, since a result or connection left open crashes Kuzu only when the process exits.
import { openKuzuGraph } from '../../../core/adapters/kuzu/index.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: graph-process.ts <database path>');
const graph = await openKuzuGraph({ path });
const story = { kind: 'Story', id: 'story-1', title: 'Story', body: '', props: {}, updatedAtMs: 1 } as const;
const task = { ...story, kind: 'Task', id: 'task-1' } as const;
await graph.upsertNodes([story, task]);
await graph.link([{ kind: 'HAS_TASK', from: story, to: task }]);
const hood = await graph.neighbourhood(story, 3);
await graph.list('Task');
await graph.close();
console.log(`reached ${hood.nodes.length}`);
