// The console's only way to the cluster: the public APIs, through POST /console/api, which the
// controller signs with the session's access key. Errors carry the API's own type and message.

export class APIError extends Error {
  constructor(type, message, status) {
    super(message || type);
    this.type = type;
    this.status = status;
  }
}

const targets = {
  ecs: 'AmazonEC2ContainerServiceV20141113.',
  logs: 'Logs_20140328.',
  cloudwatch: 'GraniteServiceVersion20100801.',
  autoscaling: 'AnyScaleFrontendService.',
  ssm: 'AmazonSSM.',
  servicediscovery: 'Route53AutoNaming_v20170314.',
};

let onSignedOut = () => {};

/** Sets what happens when the session has ended (the sign-in page). */
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

/** Calls `operation` of `api` (ecs, logs, cloudwatch, autoscaling, ssm) with `body`. */
export async function call(api, operation, body = {}, extraHeaders = {}) {
  const request = {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-Wharf-Console': '1', 'X-Amz-Target': targets[api] + operation, ...extraHeaders },
    body: JSON.stringify(body),
  };
  const response = await fetchRetrying('/console/api', request);
  const text = await response.text();
  let answer = {};
  try {
    answer = text ? JSON.parse(text) : {};
  } catch {
    answer = { message: text };
  }
  if (!response.ok) {
    const type = String(answer.__type || answer.code || `HTTP ${response.status}`).split('#').pop();
    const error = new APIError(type, answer.message || answer.Message || text, response.status);
    if (type === 'ConsoleSessionExpired') onSignedOut(error.message);
    throw error;
  }
  return answer;
}

/**
 * `fetch` of the controller, sent again (up to two more times, after 0.3 and 0.9 s) when it fails
 * without an answer (a connection reset or refused), as the AWS SDKs retry connection errors; an
 * answer, even an error, is returned as it is.
 */
async function fetchRetrying(url, request) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fetch(url, request);
    } catch (error) {
      if (attempt >= 2) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300 * 3 ** attempt));
    }
  }
}

export const ecs = (operation, body) => call('ecs', operation, body);

/** An ECS call that also asks for Wharf's utilization figures. */
export const ecsWithUsage = (operation, body) =>
  call('ecs', operation, body, { 'X-Wharf-Include': 'utilization' });

/** Every page of a list operation (`key` is the list's member), at most `limit` items. */
export async function all(api, operation, body, key, limit = 5000) {
  const items = [];
  let nextToken;
  do {
    const page = await call(api, operation, nextToken ? { ...body, nextToken } : body);
    items.push(...(page[key] || []));
    nextToken = page.nextToken;
  } while (nextToken && items.length < limit);
  return items;
}

/** Describes `arns` in chunks of `size` (ECS describes at most 100 tasks or services a call). */
export async function describe(operation, body, key, arns, size = 100, withUsage = false) {
  const chunks = [];
  for (let i = 0; i < arns.length; i += size) chunks.push(arns.slice(i, i + size));
  const send = withUsage ? ecsWithUsage : ecs;
  const pages = await Promise.all(chunks.map((chunk) => send(operation, { ...body, [key]: chunk })));
  return pages.flatMap((page) => page[operationKey(operation)] || []);
}

function operationKey(operation) {
  return {
    DescribeTasks: 'tasks',
    DescribeServices: 'services',
    DescribeContainerInstances: 'containerInstances',
    DescribeClusters: 'clusters',
  }[operation];
}

/**
 * An Elastic Load Balancing action (the Query protocol): `params` as its form members
 * (`{'Names.member.1': 'web'}`); returns the answer's XML document.
 */
export async function elbv2(action, params = {}) {
  const form = new URLSearchParams({ Action: action, Version: '2015-12-01', ...params });
  const response = await fetchRetrying('/console/api', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-Wharf-Console': '1', 'X-Wharf-Query': 'elasticloadbalancing' },
    body: form.toString(),
  });
  const text = await response.text();
  const xml = new DOMParser().parseFromString(text, 'application/xml');
  if (!response.ok) {
    const type = xml.querySelector('Code')?.textContent || `HTTP ${response.status}`;
    const message = xml.querySelector('Message')?.textContent || (() => {
      try {
        return JSON.parse(text).message;
      } catch {
        return text;
      }
    })();
    if (type === 'ConsoleSessionExpired' || text.includes('ConsoleSessionExpired')) onSignedOut(message);
    throw new APIError(type, message, response.status);
  }
  return xml;
}

/** The session: `{signedIn, accessKeyId, region, signatures}`. */
export async function session() {
  const response = await fetchRetrying('/console/session', { credentials: 'same-origin' });
  return response.json();
}

export async function signIn(accessKeyId, secretAccessKey) {
  const response = await fetchRetrying('/console/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-Wharf-Console': '1', 'Content-Type': 'application/json' },
    body: JSON.stringify({ accessKeyId, secretAccessKey }),
  });
  const answer = await response.json();
  if (!response.ok) throw new APIError(answer.__type, answer.message, response.status);
  return answer;
}

export async function signOut() {
  await fetchRetrying('/console/session', {
    method: 'DELETE',
    credentials: 'same-origin',
    headers: { 'X-Wharf-Console': '1' },
  });
}
