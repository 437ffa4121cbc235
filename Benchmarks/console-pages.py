#!/usr/bin/env python3
"""The web console's pages on a 1,000-task cluster (issue 21): how long each page takes in a real
headless Chromium, from the navigation to the page drawn with its data, and what the first visit
downloads.

    python3 Benchmarks/console-pages.py --tasks 1000 --json docs/benchmarks.json

A release wharf-controller and wharf-sim (--agents simulated nodes) hold one service of --tasks
tasks. Chromium (Debian's `chromium` and `chromium-driver`; `bash .ci/setup.sh ensure-chromium`)
signs in, then visits each page --visits times; between two visits it shows a page that loads
nothing (a "not found" page), so every visit is a navigation that fetches the page's data anew, as a click does. A
visit's time runs from setting the location to the console's render of that page (its
`data-rendered` mark), measured inside the page with performance.now().
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time, urllib.error, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wharf_bench as bench


class Chromium:
    """chromedriver and one headless browser session, over W3C WebDriver."""

    def __init__(self):
        with bench.socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.profile = tempfile.mkdtemp(prefix="wharf-bench-chromium-")
        self.driver = subprocess.Popen(["chromedriver", f"--port={self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bench.wait_for("chromedriver", lambda: self._send("GET", "/status")["value"]["ready"], 20, {"chromedriver": self.driver}, 0.1)
        options = {"binary": "/usr/bin/chromium", "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                                          "--window-size=1280,900", f"--user-data-dir={self.profile}"]}
        answer = self._send("POST", "/session", {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}})
        self.session = answer["value"]["sessionId"]

    def _send(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"WebDriver {method} {path}: {error.read().decode(errors='replace')[:1000]}") from None

    def run(self, script, *arguments):
        answer = self._send("POST", f"/session/{self.session}/execute/sync", {"script": script, "args": list(arguments)})
        if isinstance(answer.get("value"), dict) and "error" in answer["value"]:
            raise RuntimeError(answer["value"])
        return answer["value"]

    def open(self, url):
        self._send("POST", f"/session/{self.session}/url", {"url": url})

    def close(self):
        try:
            self._send("DELETE", f"/session/{self.session}")
        finally:
            bench.stop(self.driver)
            subprocess.run(["rm", "-rf", self.profile])


# Sets the location and resolves with the milliseconds until the console drew that page.
VISIT = """
const [hash, timeout] = arguments;
const main = document.getElementById('main');
const before = main.dataset.rendered;
const start = performance.now();
location.hash = hash;
return new Promise((resolve, reject) => {
  const check = () => {
    if (main.dataset.rendered !== before && main.getAttribute('aria-busy') === 'false') resolve(performance.now() - start);
    else if (performance.now() - start > timeout) reject(new Error('not drawn: ' + hash + ': ' + main.innerText.slice(0, 300)));
    else setTimeout(check, 1);
  };
  check();
});
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--visits", type=int, default=15)
    parser.add_argument("--json")
    parser.add_argument("--record", default="console-pages")
    args = parser.parse_args()
    per_node = -(-args.tasks // args.agents) * 2
    with bench.Fleet(args.bin_dir, args.agents, "wharf-console-", ["--ramp", "5", "--cpus", str(per_node * 10 // 1024 + 1),
                     "--memory", str(per_node * 32 + 512)], register_timeout=120) as fleet:
        port = fleet.port
        bench.ecs(port, "RegisterTaskDefinition", {"family": "load", "containerDefinitions": [
            {"name": "app", "image": "busybox", "memory": 32, "cpu": 10}]})
        bench.ecs(port, "CreateService", {"serviceName": "web", "taskDefinition": "load", "desiredCount": args.tasks})
        bench.wait_for(f"{args.tasks} running", lambda: bench.ecs(port, "DescribeServices", {"services": ["web"]})["services"][0]
                       ["runningCount"] == args.tasks, 300, fleet.processes)
        task = bench.ecs(port, "ListTasks", {"serviceName": "web", "maxResults": 1})["taskArns"][0].split("/")[-1]
        browser = Chromium()
        try:
            browser.open(f"http://127.0.0.1:{port}/console")
            signed = browser.run("""
                return fetch('/console/session', {method: 'POST', headers: {'X-Wharf-Console': '1', 'Content-Type': 'application/json'},
                  body: JSON.stringify({accessKeyId: arguments[0], secretAccessKey: arguments[1]})}).then(r => r.status);
            """, *bench.ACCESS_KEY)
            if signed != 200:
                raise RuntimeError(f"sign-in answered {signed}")
            browser.open(f"http://127.0.0.1:{port}/console#/nowhere")
            bench.wait_for("the console", lambda: browser.run("return document.getElementById('main').dataset.rendered || ''") != "",
                           30, fleet.processes, 0.1)
            first = browser.run("""
                return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
                  .filter(e => e.name.includes('/console')).reduce((sum, e) => sum + (e.encodedBodySize || 0), 0);
            """)
            pages = {
                "clusters": "#/",
                "cluster services": "#/clusters/default",
                "cluster tasks (a page of 100)": "#/clusters/default/tasks",
                "cluster nodes": "#/clusters/default/nodes",
                "service": "#/clusters/default/services/web",
                "task": f"#/clusters/default/tasks/{task}",
                "task definitions": "#/taskdefs",
                "task definition family": "#/taskdefs/load",
                "task definition revision": "#/taskdefs/load/1",
            }
            # Errors the page meets, named when a visit fails.
            browser.run("window.wharfErrors = []; addEventListener('error', (e) => wharfErrors.push(String(e.message)));"
                        "addEventListener('unhandledrejection', (e) => wharfErrors.push(String(e.reason)));")
            results = {"first_visit_bytes": first, "tasks": args.tasks, "agents": args.agents, "pages": {}}
            for name, hash_ in pages.items():
                times = []
                for visit in range(args.visits):
                    try:
                        browser.run(VISIT, f"#/nowhere/{name}/{visit}", 20000)
                        times.append(browser.run(VISIT, hash_, 20000))
                        # Chromium ignores a page's location changes beyond 200 in 10 s (its
                        # flooding guard): two per visit, at most about 20 visits a second.
                        time.sleep(0.12)
                    except RuntimeError as error:
                        raise RuntimeError(f"{error}; the page's errors: {browser.run('return window.wharfErrors')}") from None
                times.sort()
                results["pages"][name] = {"median_ms": round(statistics.median(times), 1),
                                          "p90_ms": round(times[int(len(times) * 0.9) - 1], 1), "max_ms": round(times[-1], 1)}
                print(f"{name}: {results['pages'][name]}", flush=True)
        finally:
            browser.close()
        print(f"first visit: {first} bytes")
        if args.json:
            bench.write_record(args.json, args.record, args.bin_dir, {"agents": args.agents, "tasks": args.tasks, "visits": args.visits},
                               results)


if __name__ == "__main__":
    main()
