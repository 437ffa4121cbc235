// One task: its containers, addresses and ports, why it stopped, its logs, and a stop button.
import * as api from './api.js';
import { h, fill, table, link, status, short, when, action, announce, serviceLink, taskDefinitionLink } from './ui.js';
import { logPanel } from './logs.js';

export async function taskPage(cluster, id) {
  const facts = h('dl', { class: 'facts' });
  const containers = h('section', { 'aria-label': 'Containers' });
  const controls = h('p', {});
  const logs = logPanel('Logs', false);
  const update = async () => {
    const described = await api.ecsWithUsage('DescribeTasks', { cluster, tasks: [id] });
    const task = (described.tasks || [])[0];
    if (!task) throw new api.APIError('InvalidParameterException', `Task ${id} not found in cluster ${cluster}.`);
    const service = (task.group || '').startsWith('service:') ? task.group.slice(8) : null;
    const usage = task.utilization;
    const code = task.stopCode ? `(${task.stopCode})` : '';
    fill(facts, ...[
      ['Status', h('span', {}, status(task.lastStatus), ` (desired ${task.desiredStatus})`)],
      ['Health', task.healthStatus ? status(task.healthStatus) : '—'],
      ['Task definition', taskDefinitionLink(task.taskDefinitionArn)],
      ['Service', service ? serviceLink(cluster, service) : '—'],
      ['Node', short(task.containerInstanceArn)],
      ['CPU / memory', `${task.cpu || '—'} units / ${task.memory || '—'} MiB`],
      ['In use now', usage ? `${usage.cpuUnits} CPU units, ${usage.memoryMiB} MiB` : '—'],
      ['Started', when(task.startedAt)],
      ['Stopped', task.stoppedAt ? `${when(task.stoppedAt)}: ${task.stoppedReason || ''} ${code}` : '—'],
    ].map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
    fill(containers, h('h2', {}, 'Containers'), table(
      'Containers',
      ['Container', 'Image', 'Status', 'Health', 'Exit code', 'Addresses and ports', 'Reason'],
      (task.containers || []).map((c) => [
        c.name,
        c.image,
        status(c.lastStatus),
        c.healthStatus ? status(c.healthStatus) : '—',
        c.exitCode ?? '—',
        [
          ...(c.networkInterfaces || []).map((n) => n.privateIpv4Address),
          ...(c.networkBindings || []).map((b) =>
            `${b.bindIP || '0.0.0.0'}:${b.hostPort}→${b.containerPort}/${b.protocol || 'tcp'}`),
        ].filter(Boolean).join(', ') || '—',
        c.reason || '—',
      ]),
    ));
    fill(controls, task.desiredStatus === 'RUNNING'
      ? action('Stop task', async () => {
        await api.ecs('StopTask', { cluster, task: task.taskArn, reason: 'Stopped from the Wharf console' });
        announce(`Stopping task ${id}.`);
        await update();
      }, `Stop task ${id}?`, 'danger')
      : '');
    await logs.update([task]);
  };
  await update();
  return {
    title: `Task ${id.slice(0, 8)}`,
    body: h('div', {}, h('p', {}, link(`/clusters/${encodeURIComponent(cluster)}/tasks`, `← Tasks of ${cluster}`)),
      facts, controls, containers, logs.element),
    update,
  };
}
