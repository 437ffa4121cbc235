// One service: its deployments, events, load balancing, scaling, CPU and memory, logs, and the
// forms that scale it, roll it to another revision, and delete it.
import * as api from './api.js';
import { h, fill, table, link, status, short, family, when, form, action, announce, chart, taskDefinitionLink }
  from './ui.js';
import { taskPager } from './tasklist.js';
import { logPanel } from './logs.js';

async function metrics(cluster, service) {
  const end = Math.floor(Date.now() / 1000);
  const query = (id, name) => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ECS',
        MetricName: name,
        Dimensions: [{ Name: 'ClusterName', Value: cluster }, { Name: 'ServiceName', Value: service }],
      },
      Period: 60,
      Stat: 'Average',
    },
  });
  const answer = await api.call('cloudwatch', 'GetMetricData', {
    MetricDataQueries: [query('cpu', 'CPUUtilization'), query('memory', 'MemoryUtilization')],
    StartTime: end - 3600,
    EndTime: end,
  });
  const series = (id) => {
    const result = (answer.MetricDataResults || []).find((r) => r.Id === id) || {};
    return (result.Timestamps || []).map((t, i) => [Number(t) * 1000, result.Values[i]]).sort((a, b) => a[0] - b[0]);
  };
  return chart('CPU and memory utilization, last hour (% of reserved)', [
    { label: 'CPU', points: series('cpu') },
    { label: 'memory', points: series('memory') },
  ]);
}

/** The load balancers' DNS names and the Cloud Map names the service answers at. */
async function names(service, section) {
  const targets = [];
  for (const balancer of service.loadBalancers || []) {
    let dns = '—';
    if (balancer.targetGroupArn) {
      const groups = await api.elbv2('DescribeTargetGroups', { 'TargetGroupArns.member.1': balancer.targetGroupArn });
      const arns = [...groups.querySelectorAll('LoadBalancerArns > member')].map((m) => m.textContent);
      if (arns.length) {
        const params = Object.fromEntries(arns.map((arn, i) => [`LoadBalancerArns.member.${i + 1}`, arn]));
        const balancers = await api.elbv2('DescribeLoadBalancers', params);
        dns = [...balancers.querySelectorAll('DNSName')].map((n) => n.textContent).join(', ') || '—';
      }
    }
    const group = short(balancer.targetGroupArn || balancer.loadBalancerName);
    targets.push([group, balancer.containerName, balancer.containerPort, dns]);
  }
  const registries = [];
  for (const registry of service.serviceRegistries || []) {
    const id = short(registry.registryArn);
    const found = await api.call('servicediscovery', 'GetService', { Id: id });
    const namespace = await api.call('servicediscovery', 'GetNamespace', { Id: found.Service.NamespaceId });
    const name = `${found.Service.Name}.${namespace.Namespace.Name}`;
    registries.push([name, registry.containerName || '—', registry.port || '—']);
  }
  fill(section, h('h2', {}, 'Load balancing and discovery'),
    table('Load balancers', ['Target group', 'Container', 'Port', 'DNS name'], targets, 'No load balancer.'),
    table('Service discovery', ['DNS name', 'Container', 'Port'], registries, 'No service discovery.'));
}

export async function servicePage(cluster, name) {
  const summary = h('dl', { class: 'facts' });
  const deployments = h('section', { 'aria-label': 'Deployments' });
  const pager = taskPager(cluster, { serviceName: name });
  const tasks = h('section', { 'aria-label': 'Tasks' }, h('h2', {}, 'Tasks'), pager.element);
  const events = h('section', { 'aria-label': 'Events' });
  const balancing = h('section', { 'aria-label': 'Load balancing and discovery' });
  const scaling = h('section', { 'aria-label': 'Scaling' });
  const charts = h('section', { 'aria-label': 'Metrics' });
  const logs = logPanel('Logs', true);
  let rounds = 0;
  let service;

  const update = async () => {
    const described = await api.ecsWithUsage('DescribeServices', { cluster, services: [name] });
    service = (described.services || [])[0];
    if (!service) throw new api.APIError('ServiceNotFoundException', `Service ${name} not found.`);
    const usage = service.utilization;
    fill(summary, ...[
      ['Status', status(service.status)],
      ['Tasks', `${service.runningCount} running, ${service.pendingCount} pending, ${service.desiredCount} desired`],
      ['Task definition', taskDefinitionLink(service.taskDefinition)],
      ['Launch type', service.launchType
        || (service.capacityProviderStrategy || []).map((s) => s.capacityProvider).join(', ') || '—'],
      ['In use now', usage
        ? `${usage.cpuUnits} CPU units, ${usage.memoryMiB} MiB in ${usage.containers} containers` : '—'],
      ['Created', when(service.createdAt)],
    ].map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
    fill(deployments, h('h2', {}, 'Deployments'), table(
      'Deployments',
      ['Deployment', 'Status', 'Task definition', 'Desired', 'Pending', 'Running', 'Failed', 'Rollout', 'Updated'],
      (service.deployments || []).map((d) => [
        short(d.id), status(d.status), family(d.taskDefinition), d.desiredCount, d.pendingCount, d.runningCount,
        d.failedTasks ?? 0,
        h('span', {}, d.rolloutState ? status(d.rolloutState) : '—', ' ', d.rolloutStateReason || ''),
        when(d.updatedAt),
      ]),
    ));
    const shown = await pager.update();
    fill(events, h('h2', {}, 'Events'), table(
      'Events',
      ['Time', 'Message'],
      (service.events || []).slice(0, 15).map((e) => [when(e.createdAt), e.message]),
      'No events yet.',
    ));
    if (rounds % 5 === 0) {
      await slowParts().catch((error) => fill(charts, h('p', { class: 'error' }, `Metrics: ${error.message}`)));
    }
    rounds++;
    await logs.update(shown);
  };
  const slowParts = async () => {
    const policies = await api.call('autoscaling', 'DescribeScalingPolicies', {
      ServiceNamespace: 'ecs',
      ResourceId: `service/${cluster}/${name}`,
    });
    fill(scaling, h('h2', {}, 'Scaling policies'), table(
      'Scaling policies',
      ['Policy', 'Type', 'Target'],
      (policies.ScalingPolicies || []).map((p) => [
        p.PolicyName,
        p.PolicyType,
        p.TargetTrackingScalingPolicyConfiguration?.TargetValue ?? '—',
      ]),
      'No scaling policies.',
    ));
    fill(charts, h('h2', {}, 'Metrics'), await metrics(cluster, name));
    await names(service, balancing);
  };
  await update();

  const familyName = family(service.taskDefinition).split(':')[0];
  const revisions = await api.all('ecs', 'ListTaskDefinitions', { familyPrefix: familyName, sort: 'DESC' },
    'taskDefinitionArns', 50);
  const count = { name: 'desiredCount', label: 'Desired tasks', type: 'number', min: 0, value: service.desiredCount };
  const scale = form('Scale', [count], 'Scale', async (values) => {
      await api.ecs('UpdateService', { cluster, service: name, desiredCount: Number(values.desiredCount) });
      announce(`Service ${name} scaled to ${values.desiredCount}.`);
      await update();
    });
  const roll = form(
    'Deploy a revision',
    [
      {
        name: 'taskDefinition',
        label: 'Task definition',
        options: revisions.map((arn) => family(arn)),
        value: family(service.taskDefinition),
      },
      { name: 'force', label: 'Force a new deployment', type: 'checkbox' },
    ],
    'Deploy',
    async (values) => {
      await api.ecs('UpdateService', {
        cluster, service: name, taskDefinition: values.taskDefinition, forceNewDeployment: values.force,
      });
      announce(`Deploying ${values.taskDefinition} to ${name}.`);
      await update();
    },
  );
  const remove = action('Delete service', async () => {
    await api.ecs('DeleteService', { cluster, service: name, force: true });
    announce(`Deleted service ${name}.`);
    location.hash = `#/clusters/${encodeURIComponent(cluster)}`;
  }, `Delete service ${name}? Its tasks are stopped.`, 'danger');

  return {
    title: `Service ${name}`,
    body: h('div', {},
      h('p', {}, link(`/clusters/${encodeURIComponent(cluster)}`, `← Cluster ${cluster}`)),
      summary,
      h('div', { class: 'forms' },
        h('div', {}, h('h2', {}, 'Scale'), scale),
        h('div', {}, h('h2', {}, 'Deploy'), roll)),
      deployments, tasks, events, charts, logs.element, scaling, balancing,
      h('h2', {}, 'Delete'), remove),
    update,
  };
}
