// Small DOM helpers: elements are built with textContent, never from HTML strings, so nothing a
// cluster holds (names, log lines, events) can run as markup.

/** An element: `h('a', {href: '#/'}, 'Clusters')`; attributes starting with `on` are listeners. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'class') element.className = value;
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `element` holds. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A table with a caption (for screen readers), headers and rows of cells. */
export function table(caption, headers, rows, empty = 'None yet.') {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h(
    'div',
    { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': caption },
    h(
      'table',
      {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, name)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell) => h('td', {}, cell))))),
    ),
  );
}

/** A link inside the console. */
export const link = (path, text) => h('a', { href: '#' + path }, text);

/** A link to a task definition revision, named `family:revision`. */
export const taskDefinitionLink = (arn) => link(`/taskdefs/${family(arn).replace(':', '/')}`, family(arn));

/** A link to service `name` of `cluster`. */
export const serviceLink = (cluster, name) =>
  link(`/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(name)}`, name);

/** A status word with a colour class. */
export function status(word) {
  const text = word || '—';
  const kind = /STOPPED|FAILED|UNHEALTHY|INACTIVE|ALARM|DRAINING|DISCONNECTED/.test(text)
    ? 'bad'
    : /RUNNING|ACTIVE|COMPLETED|HEALTHY|STEADY|OK|PRIMARY|CONNECTED/.test(text)
      ? 'good'
      : 'busy';
  return h('span', { class: `status ${kind}` }, text);
}

/** The last part of an ARN (`…/name`). */
export const short = (arn) => (arn ? String(arn).split('/').pop() : '—');

/** A task definition ARN as `family:revision`. */
export const family = (arn) => (arn ? String(arn).split('/').pop() : '—');

/** A time as local `HH:MM:SS` today, or the date too. */
export function when(value) {
  if (!value) return '—';
  const date = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString();
}

/** A form with labelled fields; `submit(values, form)` runs on submit, errors shown in the form. */
export function form(label, fields, button, submit) {
  const message = h('p', { class: 'form-message', role: 'alert' });
  const inputs = fields.map((field) => {
    const id = 'f-' + Math.random().toString(36).slice(2);
    let input;
    if (field.options) {
      input = h(
        'select',
        { id, name: field.name, required: field.required },
        field.options.map((option) =>
          h(
            'option',
            { value: option.value ?? option, selected: (option.value ?? option) === field.value },
            option.label ?? option,
          ),
        ),
      );
    } else if (field.type === 'textarea') {
      input = h('textarea', {
        id,
        name: field.name,
        rows: field.rows || 16,
        spellcheck: 'false',
        required: field.required,
      });
      input.defaultValue = field.value ?? '';
    } else {
      input = h('input', {
        id,
        name: field.name,
        type: field.type || 'text',
        required: field.required,
        min: field.min,
        autocomplete: field.autocomplete || 'off',
        placeholder: field.placeholder,
      });
      // Defaults, not just values: a form reset after a submit brings them back.
      if (field.type === 'checkbox') input.defaultChecked = Boolean(field.value);
      else input.defaultValue = field.value ?? '';
    }
    const kind = field.type === 'checkbox' ? 'field check' : 'field';
    return h('div', { class: kind }, h('label', { for: id }, field.label), input);
  });
  const submitButton = h('button', { type: 'submit' }, button);
  const element = h('form', { 'aria-label': label, class: 'panel-form' }, inputs, submitButton, message);
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = {};
    for (const field of fields) {
      const input = element.elements[field.name];
      values[field.name] = field.type === 'checkbox' ? input.checked : input.value.trim();
    }
    submitButton.disabled = true;
    message.textContent = '';
    try {
      await submit(values, element);
    } catch (error) {
      message.textContent = `${error.type ? error.type + ': ' : ''}${error.message}`;
    } finally {
      submitButton.disabled = false;
    }
  });
  return element;
}

/** A button that runs `action` after `confirmation` (when given) is accepted. */
export function action(text, run, confirmation, kind = '') {
  const button = h('button', { type: 'button', class: kind });
  button.textContent = text;
  button.addEventListener('click', async () => {
    if (confirmation && !window.confirm(confirmation)) return;
    button.disabled = true;
    try {
      await run();
    } catch (error) {
      announce(`${error.type ? error.type + ': ' : ''}${error.message}`, true);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

let announcedAt = 0;

/** Says `text` in the status line (read out by screen readers). */
export function announce(text, isError = false) {
  const line = document.getElementById('announce');
  line.textContent = text;
  line.className = isError ? 'error' : '';
  announcedAt = Date.now();
}

/** Clears the status line when what it says is older than a few seconds (another page now). */
export function clearStaleAnnouncement() {
  if (Date.now() - announcedAt > 3000) document.getElementById('announce').textContent = '';
}

/** A line chart of `series` ({label, points: [[time, value]]}) in SVG, 0–100 %. */
export function chart(title, series) {
  const width = 600;
  const height = 160;
  const times = series.flatMap((s) => s.points.map((p) => p[0]));
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  const latest = series.map((s) => `${s.label} ${s.points.length ? s.points.at(-1)[1].toFixed(1) + ' %' : 'no data'}`);
  svg.setAttribute('aria-label', `${title}: ${latest.join(', ')}`);
  if (times.length) {
    const start = Math.min(...times);
    const span = Math.max(1, Math.max(...times) - start);
    const top = Math.max(100, ...series.flatMap((s) => s.points.map((p) => p[1])));
    series.forEach((s, index) => {
      const x = (t) => (((t - start) / span) * (width - 10) + 5).toFixed(1);
      const y = (v) => (height - 5 - (v / top) * (height - 10)).toFixed(1);
      const points = s.points.map(([t, v]) => `${x(t)},${y(v)}`).join(' ');
      const line = document.createElementNS('http://www.w3.org/2000/svg', s.points.length > 1 ? 'polyline' : 'circle');
      if (s.points.length > 1) line.setAttribute('points', points);
      else if (points) {
        const [x, y] = points.split(',');
        line.setAttribute('cx', x);
        line.setAttribute('cy', y);
        line.setAttribute('r', 3);
      }
      line.setAttribute('class', `series-${index}`);
      svg.append(line);
    });
  }
  return h('figure', { class: 'chart' }, h('figcaption', {}, title, ' — ', latest.join(' · ')), svg);
}
