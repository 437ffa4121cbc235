// Task definitions: families, their revisions, one revision's JSON, and registering a new
// revision from edited JSON.
import * as api from './api.js';
import { h, fill, table, link, status, family, when, form, action, announce } from './ui.js';

// What DescribeTaskDefinition answers that RegisterTaskDefinition does not take.
const readOnly = ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt',
  'registeredBy', 'deregisteredAt'];

const example = {
  family: 'web',
  containerDefinitions: [{ name: 'app', image: 'nginx:alpine', memory: 128, portMappings: [{ containerPort: 80 }] }],
};

function registerForm(initial) {
  return form('Register a task definition', [
    { name: 'json', label: 'Task definition (JSON, as aws ecs register-task-definition --cli-input-json takes it)',
      type: 'textarea', value: JSON.stringify(initial, null, 2), rows: 20 },
  ], 'Register', async (values) => {
    let body;
    try {
      body = JSON.parse(values.json);
    } catch (error) {
      throw new api.APIError('InvalidJSON', `The JSON cannot be read: ${error.message}`);
    }
    const answer = await api.ecs('RegisterTaskDefinition', body);
    const registered = answer.taskDefinition;
    announce(`Registered ${registered.family}:${registered.revision}.`);
    location.hash = `#/taskdefs/${encodeURIComponent(registered.family)}/${registered.revision}`;
  });
}

export async function familiesPage() {
  const live = h('section', { 'aria-label': 'Families' });
  const update = async () => {
    const families = await api.all('ecs', 'ListTaskDefinitionFamilies', { status: 'ACTIVE' }, 'families');
    fill(live, table('Task definition families', ['Family'],
      families.sort().map((name) => [link(`/taskdefs/${encodeURIComponent(name)}`, name)]),
      'No task definitions yet.'));
  };
  await update();
  const body = h('div', {}, live, h('h2', {}, 'Register a task definition'), registerForm(example));
  return { title: 'Task definitions', body, update };
}

export async function familyPage(name) {
  const live = h('section', { 'aria-label': 'Revisions' });
  const update = async () => {
    const [active, inactive] = await Promise.all(['ACTIVE', 'INACTIVE'].map((state) =>
      api.all('ecs', 'ListTaskDefinitions', { familyPrefix: name, status: state, sort: 'DESC' },
        'taskDefinitionArns', 200)));
    const rows = [...active.map((arn) => [arn, 'ACTIVE']), ...inactive.map((arn) => [arn, 'INACTIVE'])]
      .filter(([arn]) => family(arn).split(':')[0] === name)
      .sort((a, b) => Number(family(b[0]).split(':')[1]) - Number(family(a[0]).split(':')[1]))
      .map(([arn, state]) => {
        const revision = family(arn).split(':')[1];
        return [link(`/taskdefs/${encodeURIComponent(name)}/${revision}`, `${name}:${revision}`), status(state)];
      });
    fill(live, table('Revisions', ['Revision', 'Status'], rows, 'No revisions.'));
  };
  await update();
  const body = h('div', {}, h('p', {}, link('/taskdefs', '← Task definitions')), live);
  return { title: `Task definition ${name}`, body, update };
}

export async function revisionPage(name, revision) {
  const answer = await api.ecs('DescribeTaskDefinition', { taskDefinition: `${name}:${revision}`, include: ['TAGS'] });
  const definition = answer.taskDefinition;
  const editable = Object.fromEntries(Object.entries(definition).filter(([key]) => !readOnly.includes(key)));
  if (answer.tags && answer.tags.length) editable.tags = answer.tags;
  const deregister = definition.status === 'ACTIVE'
    ? action('Deregister', async () => {
      await api.ecs('DeregisterTaskDefinition', { taskDefinition: `${name}:${revision}` });
      announce(`Deregistered ${name}:${revision}.`);
      location.hash = `#/taskdefs/${encodeURIComponent(name)}`;
    }, `Deregister ${name}:${revision}?`, 'danger')
    : '';
  return {
    title: `${name}:${revision}`,
    body: h('div', {},
      h('p', {}, link(`/taskdefs/${encodeURIComponent(name)}`, `← Revisions of ${name}`)),
      h('p', {}, status(definition.status), ` registered ${when(definition.registeredAt)}`,
        definition.compatibilities ? ` · ${definition.compatibilities.join(', ')}` : ''),
      h('h2', {}, 'JSON'),
      h('pre', { class: 'json', tabindex: 0, 'aria-label': 'Task definition JSON' },
        JSON.stringify(definition, null, 2)),
      h('h2', {}, 'Register a new revision'),
      h('p', {}, 'Edit the definition and register it: the family gets its next revision; '
        + 'deploy it from the service page.'),
      registerForm(editable),
      h('h2', {}, 'Deregister'), deregister),
  };
}
