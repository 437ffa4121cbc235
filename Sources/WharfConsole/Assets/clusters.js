// Clusters, and one cluster's services, tasks and nodes.
import * as api from './api.js';
import {
  h, fill, table, link, status, short, form, action, announce, chart, serviceLink, taskDefinitionLink,
} from './ui.js';
import { taskPager } from './tasklist.js';

export async function clustersPage() {
  const live = h('section', { 'aria-label': 'Clusters' });
  const update = async () => {
    const arns = await api.all('ecs', 'ListClusters', {}, 'clusterArns');
    const clusters = arns.length ? await api.describe('DescribeClusters', {}, 'clusters', arns) : [];
    clusters.sort((a, b) => a.clusterName.localeCompare(b.clusterName));
    fill(
      live,
      table(
        'Clusters',
        ['Cluster', 'Status', 'Services', 'Running tasks', 'Pending tasks', 'Nodes', ''],
        clusters.map((c) => [
          link(`/clusters/${encodeURIComponent(c.clusterName)}`, c.clusterName),
          status(c.status),
          c.activeServicesCount,
          c.runningTasksCount,
          c.pendingTasksCount,
          c.registeredContainerInstancesCount,
          action(
            'Delete',
            async () => {
              await api.ecs('DeleteCluster', { cluster: c.clusterName });
              announce(`Deleted cluster ${c.clusterName}.`);
              await update();
            },
            `Delete cluster ${c.clusterName}?`,
            'danger',
          ),
        ]),
        'No clusters yet: create one below.',
      ),
    );
  };
  await update();
  const fields = [{ name: 'clusterName', label: 'Cluster name', required: true }];
  const create = form('Create cluster', fields, 'Create cluster', async (values, element) => {
    await api.ecs('CreateCluster', { clusterName: values.clusterName });
    announce(`Created cluster ${values.clusterName}.`);
    element.reset();
    await update();
  });
  return { title: 'Clusters', body: h('div', {}, live, h('h2', {}, 'Create a cluster'), create), update };
}

export async function clusterPage(name, tab) {
  const base = `/clusters/${encodeURIComponent(name)}`;
  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': 'Cluster' },
    [['services', base, 'Services'], ['tasks', `${base}/tasks`, 'Tasks'], ['nodes', `${base}/nodes`, 'Nodes']].map(
      ([key, path, text]) => h('a', { href: '#' + path, 'aria-current': key === tab ? 'page' : null }, text),
    ),
  );
  const summary = h('p', { class: 'summary' });
  const live = h('section', { 'aria-label': tab });
  const parts = await { services: servicesTab, tasks: tasksTab, nodes: nodesTab }[tab](name, live);
  let insights = 'disabled';
  const update = async () => {
    const described = await api.ecs('DescribeClusters', { clusters: [name], include: ['SETTINGS'] });
    const cluster = (described.clusters || [])[0];
    if (!cluster) throw new api.APIError('ClusterNotFoundException', `Cluster ${name} not found.`);
    insights = ((cluster.settings || []).find((s) => s.name === 'containerInsights') || {}).value || 'disabled';
    fill(summary, status(cluster.status),
      ` ${cluster.runningTasksCount} running, ${cluster.pendingTasksCount} pending, `,
      `${cluster.activeServicesCount} services, ${cluster.registeredContainerInstancesCount} nodes, `,
      `Container Insights ${insights}`);
    await parts.update();
  };
  await update();
  // UpdateCluster: the cluster's one setting, as ECS's console edits it.
  const settings = form(
    'Cluster settings',
    [{ name: 'containerInsights', label: 'Container Insights', options: ['disabled', 'enabled', 'enhanced'],
      value: insights }],
    'Update cluster',
    async (values) => {
      await api.ecs('UpdateCluster', {
        cluster: name,
        settings: [{ name: 'containerInsights', value: values.containerInsights }],
      });
      announce(`Updated cluster ${name}.`);
      await update();
    },
  );
  const body = h('div', {}, tabs, summary, live, parts.extra || '', h('h2', {}, 'Cluster settings'), settings);
  return { title: `Cluster ${name}`, body, update };
}

async function servicesTab(cluster, live) {
  const update = async () => {
    const arns = await api.all('ecs', 'ListServices', { cluster }, 'serviceArns');
    const services = arns.length ? await api.describe('DescribeServices', { cluster }, 'services', arns, 10) : [];
    services.sort((a, b) => a.serviceName.localeCompare(b.serviceName));
    fill(
      live,
      table(
        'Services',
        ['Service', 'Status', 'Desired', 'Running', 'Pending', 'Task definition', 'Deployment'],
        services.map((s) => {
          const primary = (s.deployments || []).find((d) => d.status === 'PRIMARY') || {};
          return [
            serviceLink(cluster, s.serviceName),
            status(s.status),
            s.desiredCount,
            s.runningCount,
            s.pendingCount,
            taskDefinitionLink(s.taskDefinition),
            primary.rolloutState ? status(primary.rolloutState) : '—',
          ];
        }),
        'No services yet.',
      ),
    );
  };
  const families = await api.all('ecs', 'ListTaskDefinitionFamilies', { status: 'ACTIVE' }, 'families');
  const create = form(
    'Create service',
    [
      { name: 'serviceName', label: 'Service name', required: true },
      { name: 'taskDefinition', label: 'Task definition (family or family:revision)', required: true,
        options: families.length ? families : undefined, value: families[0] },
      { name: 'desiredCount', label: 'Desired tasks', type: 'number', min: 0, value: 1, required: true },
    ],
    'Create service',
    async (values, element) => {
      await api.ecs('CreateService', {
        cluster,
        serviceName: values.serviceName,
        taskDefinition: values.taskDefinition,
        desiredCount: Number(values.desiredCount),
      });
      announce(`Created service ${values.serviceName}.`);
      element.reset();
      await update();
    },
  );
  return { update, extra: h('div', {}, h('h2', {}, 'Create a service'), create) };
}

async function tasksTab(cluster, live) {
  const pager = taskPager(cluster);
  fill(live, pager.element);
  return { update: pager.update };
}

// Each node's CPU and memory use, sampled at every refresh while the console is open.
const nodeSamples = new Map();

async function nodesTab(cluster, live) {
  const update = async () => {
    const arns = await api.all('ecs', 'ListContainerInstances', { cluster }, 'containerInstanceArns');
    const nodes = arns.length
      ? await api.describe('DescribeContainerInstances', { cluster }, 'containerInstances', arns, 100, true)
      : [];
    const now = Date.now();
    const charts = [];
    const rows = nodes.map((n) => {
      const id = short(n.containerInstanceArn);
      const registered = Object.fromEntries((n.registeredResources || []).map((r) => [r.name, r.integerValue]));
      const remaining = Object.fromEntries((n.remainingResources || []).map((r) => [r.name, r.integerValue]));
      const used = n.utilization || { cpuUnits: 0, memoryMiB: 0 };
      const cpu = registered.CPU ? (100 * used.cpuUnits) / registered.CPU : 0;
      const memory = registered.MEMORY ? (100 * used.memoryMiB) / registered.MEMORY : 0;
      const samples = nodeSamples.get(id) || { cpu: [], memory: [] };
      samples.cpu = [...samples.cpu, [now, cpu]].slice(-200);
      samples.memory = [...samples.memory, [now, memory]].slice(-200);
      nodeSamples.set(id, samples);
      charts.push(chart(`Node ${id.slice(0, 8)} CPU and memory in use`, [
        { label: 'CPU', points: samples.cpu },
        { label: 'memory', points: samples.memory },
      ]));
      const attributes = (n.attributes || []).filter((a) => !a.name.startsWith('com.amazonaws.ecs.capability'));
      const state = n.status === 'DRAINING' ? 'ACTIVE' : 'DRAINING';
      return [
        id.slice(0, 8),
        n.ec2InstanceId || '—',
        status(n.agentConnected ? 'CONNECTED' : 'DISCONNECTED'),
        status(n.status),
        n.runningTasksCount,
        `${registered.CPU - (remaining.CPU ?? 0)} / ${registered.CPU} reserved, ${cpu.toFixed(0)} % used`,
        `${registered.MEMORY - (remaining.MEMORY ?? 0)} / ${registered.MEMORY} MiB reserved, `
          + `${memory.toFixed(0)} % used`,
        h('details', {}, h('summary', {}, `${attributes.length} attributes`),
          h('ul', {}, attributes.map((a) => h('li', {}, a.value ? `${a.name} = ${a.value}` : a.name)))),
        action(state === 'DRAINING' ? 'Drain' : 'Activate', async () => {
          await api.ecs('UpdateContainerInstancesState', {
            cluster,
            containerInstances: [n.containerInstanceArn],
            status: state,
          });
          announce(`Node ${id.slice(0, 8)} is ${state}.`);
          await update();
        }, state === 'DRAINING' ? `Drain node ${id.slice(0, 8)}? Its service tasks move elsewhere.` : null),
      ];
    });
    fill(
      live,
      table('Nodes', ['Node', 'Instance', 'Agent', 'Status', 'Tasks', 'CPU', 'Memory', 'Attributes', ''], rows,
        'No nodes joined yet.'),
      h('div', { class: 'charts' }, charts),
    );
  };
  return { update };
}
