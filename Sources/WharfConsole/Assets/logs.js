// A live tail of tasks' container logs (their awslogs group and stream), as `wharf logs -f`.
import * as api from './api.js';
import { h, short } from './ui.js';

const definitions = new Map();

async function definition(arn) {
  if (!definitions.has(arn)) {
    definitions.set(arn, api.ecs('DescribeTaskDefinition', { taskDefinition: arn }).then((a) => a.taskDefinition));
  }
  return definitions.get(arn);
}

/** The log sources of `tasks`: {group, stream, label}. */
async function sources(tasks, labelTasks) {
  const found = [];
  for (const task of tasks) {
    const taskDefinition = await definition(task.taskDefinitionArn);
    const taskID = short(task.taskArn);
    for (const container of taskDefinition.containerDefinitions || []) {
      const log = container.logConfiguration;
      if (!log || log.logDriver !== 'awslogs' || !log.options || !log.options['awslogs-group']) continue;
      const prefix = log.options['awslogs-stream-prefix'];
      const runtime = (task.containers || []).find((c) => c.name === container.name)?.runtimeId;
      const stream = prefix ? `${prefix}/${container.name}/${taskID}` : runtime;
      if (!stream) continue;
      const label = labelTasks ? `${container.name} ${taskID.slice(0, 8)}` : container.name;
      found.push({ group: log.options['awslogs-group'], stream, label });
    }
  }
  return found;
}

/**
 * A log panel: `update(tasks)` fetches the lines written since the last call for those tasks'
 * containers and appends them, keeping the last 1,000.
 */
export function logPanel(title, labelTasks) {
  const lines = h('ol', { class: 'log', 'aria-live': 'off' });
  const follow = h('input', { type: 'checkbox', id: 'follow-logs', checked: true });
  const note = h('p', { class: 'empty' }, 'No log lines yet.');
  const seen = new Set();
  let since = Date.now() - 60 * 60 * 1000;
  const element = h(
    'section',
    { class: 'logs', 'aria-label': title },
    h('div', { class: 'logs-head' }, h('h2', {}, title), h('label', { for: 'follow-logs' }, follow, ' Follow')),
    note,
    h('div', { class: 'log-box', tabindex: 0, role: 'log', 'aria-label': `${title} lines` }, lines),
  );
  const update = async (tasks) => {
    const found = await sources(tasks, labelTasks);
    if (!found.length) {
      note.textContent = 'These tasks send no logs to the controller (no awslogs log configuration).';
      return;
    }
    const groups = new Map();
    for (const source of found) groups.set(source.group, [...(groups.get(source.group) || []), source]);
    const events = [];
    const missing = [];
    for (const [group, members] of groups) {
      const labels = new Map(members.map((m) => [m.stream, m.label]));
      const streams = [...labels.keys()];
      for (let i = 0; i < streams.length; i += 100) {
        try {
          const answer = await api.call('logs', 'FilterLogEvents', {
            logGroupName: group,
            logStreamNames: streams.slice(i, i + 100),
            startTime: since,
          });
          for (const event of answer.events || []) events.push({ ...event, label: labels.get(event.logStreamName) });
        } catch (error) {
          if (error.type !== 'ResourceNotFoundException') throw error;
          missing.push(group);
        }
      }
    }
    events.sort((a, b) => a.timestamp - b.timestamp);
    let added = 0;
    for (const event of events) {
      if (seen.has(event.eventId)) continue;
      seen.add(event.eventId);
      since = Math.max(since, event.timestamp);
      lines.append(h('li', {}, h('time', {}, new Date(event.timestamp).toLocaleTimeString()), ' ',
        h('span', { class: 'source' }, event.label || ''), ' ', event.message.replace(/\n$/, '')));
      added++;
    }
    while (lines.childElementCount > 1000) lines.firstElementChild.remove();
    if (lines.childElementCount) note.textContent = '';
    else if (missing.length) {
      note.textContent = `The log group ${missing.join(', ')} does not exist: create it (aws logs create-log-group), `
        + 'or set awslogs-create-group to "true" in the log configuration.';
    }
    if (added && follow.checked) lines.parentElement.scrollTop = lines.parentElement.scrollHeight;
  };
  return { element, update };
}
