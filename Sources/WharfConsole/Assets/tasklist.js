// Tasks as a table, a page of 100 at a time (as ECS's console pages them), filtered by desired
// status; used by a cluster's Tasks tab and a service's page.
import * as api from './api.js';
import { h, fill, table, link, status, short, family, when, action, announce } from './ui.js';

export const taskHeaders = ['Task', 'Task definition', 'Status', 'Health', 'Started', 'Addresses', 'Node', ''];

/** Task rows: ID, definition, status, health, started, addresses, node, stop. */
export function taskRows(cluster, tasks, refresh) {
  return tasks.map((t) => {
    const id = short(t.taskArn);
    const addresses = (t.containers || []).flatMap((c) => [
      ...(c.networkInterfaces || []).map((n) => n.privateIpv4Address),
      ...(c.networkBindings || []).map((b) => `${b.hostPort}→${b.containerPort}/${b.protocol || 'tcp'}`),
    ]);
    return [
      link(`/clusters/${encodeURIComponent(cluster)}/tasks/${id}`, id.slice(0, 8)),
      family(t.taskDefinitionArn),
      status(t.lastStatus),
      t.healthStatus && t.healthStatus !== 'UNKNOWN' ? status(t.healthStatus) : '—',
      when(t.startedAt),
      [...new Set(addresses.filter(Boolean))].join(', ') || '—',
      short(t.containerInstanceArn).slice(0, 8),
      t.desiredStatus === 'RUNNING'
        ? action('Stop', async () => {
          await api.ecs('StopTask', { cluster, task: t.taskArn, reason: 'Stopped from the Wharf console' });
          announce(`Stopping task ${id}.`);
          await refresh();
        }, `Stop task ${id}?`, 'danger')
        : '',
    ];
  });
}

const order = { RUNNING: 0, PENDING: 1, PROVISIONING: 1, ACTIVATING: 1, DEACTIVATING: 2, STOPPING: 2, STOPPED: 3 };

/**
 * A pager over ListTasks (`filter`: serviceName, …): `update()` draws the current page again and
 * returns its tasks.
 */
export function taskPager(cluster, filter = {}) {
  const tokens = [undefined];
  let index = 0;
  let desired = 'RUNNING';
  const id = 'desired-' + Math.random().toString(36).slice(2);
  const select = h('select', { id }, ['RUNNING', 'STOPPED'].map((value) => h('option', { value }, value)));
  const previous = h('button', { type: 'button' }, 'Previous page');
  const next = h('button', { type: 'button' }, 'Next page');
  const where = h('span', { class: 'summary' });
  const body = h('div');
  const label = h('label', { for: id }, 'Desired status ');
  const controls = h('div', { class: 'pager' }, label, select, previous, where, next);
  const element = h('div', {}, controls, body);
  const update = async () => {
    const page = await api.ecs('ListTasks', {
      cluster,
      ...filter,
      desiredStatus: desired,
      maxResults: 100,
      nextToken: tokens[index],
    });
    tokens[index + 1] = page.nextToken;
    const arns = page.taskArns || [];
    const tasks = arns.length ? (await api.ecs('DescribeTasks', { cluster, tasks: arns })).tasks || [] : [];
    const rank = (task) => order[task.lastStatus] ?? 1;
    tasks.sort((a, b) => rank(a) - rank(b) || short(a.taskArn).localeCompare(short(b.taskArn)));
    const none = desired === 'RUNNING' ? 'No running tasks.' : 'No stopped tasks.';
    fill(body, table('Tasks', taskHeaders, taskRows(cluster, tasks, update), none));
    previous.disabled = index === 0;
    next.disabled = !page.nextToken;
    where.textContent = `page ${index + 1}, ${index * 100 + (arns.length ? 1 : 0)}–${index * 100 + arns.length}`;
    return tasks;
  };
  const go = async (to) => {
    index = to;
    await update().catch((error) => announce(`${error.type || 'Error'}: ${error.message}`, true));
  };
  select.addEventListener('change', () => {
    desired = select.value;
    tokens.length = 1;
    go(0);
  });
  previous.addEventListener('click', () => go(Math.max(0, index - 1)));
  next.addEventListener('click', () => go(index + 1));
  return { element, update };
}
