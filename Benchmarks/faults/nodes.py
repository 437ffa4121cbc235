"""What the fault scenarios that kill, cut and restore daemons share: a controller and agents as real
processes on the local Docker engine that can be killed and started again on the same data
directories and port, a TCP relay that partitions an agent from the controller, and reads of the
engine's containers by their Wharf labels. Everything runs in its own cluster, so cleanup removes
only this run's containers."""
import argparse, json, os, secrets, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wharf_bench import ACCESS_KEY, ecs, stop, wait_for  # noqa: E402

ACCOUNT_ARN = "arn:aws:ecs:us-east-1:000000000000"
IMAGE = "wharf-test/busybox:latest"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    """A TCP relay on loopback in front of the controller. `cut()` partitions whoever talks through
    it: open connections are dropped and new ones are accepted but never answered (as a dead
    link looks to the sender: no refusal, only silence). `heal()` relays again."""

    def __init__(self, target_port):
        self.target_port, self.port = target_port, free_port()
        self.open = True
        self.sockets = set()
        self.lock = threading.Lock()
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.server.listen(128)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                self.sockets.add(client)
                if not self.open:
                    continue  # held without an answer until the relay heals or closes
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets.add(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while self.open:
                data = source.recv(65536)
                if not data or not self.open:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            self.open = False
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def heal(self):
        with self.lock:
            self.open = True
            for s in self.sockets:
                s.close()
            self.sockets = set()

    def close(self):
        self.cut()
        self.server.close()


class Lab:
    """A wharf-controller and `agents` wharf-agents (each with its own data directory, joined with
    an activation) in cluster `fault-XXXX` on the local engine. A context manager: on exit, even on
    failure or Ctrl-C, every process is stopped, this cluster's containers are removed and the
    directory deleted (the logs' last lines printed first when something failed). Agents named in
    `relayed` reach the controller through a ``Relay``."""

    def __init__(self, bin_dir, prefix, agents=1, controller_args=(), agent_args=(), relayed=(), data_root=None,
                 controller_disk_mib=None):
        self.bin_dir, self.agent_count = bin_dir, agents
        self.controller_args, self.agent_args, self.relayed = list(controller_args), list(agent_args), set(relayed)
        self.work = tempfile.mkdtemp(prefix=prefix, dir=data_root)
        self.cluster = f"fault-{secrets.token_hex(4)}"
        self.controller, self.agents, self.relays, self.logs = None, {}, {}, {}
        self.activations = {}
        self.controller_dir = os.path.join(self.work, "controller")
        # The controller's data directory on a file system of its own that a scenario can fill or
        # make fail: ext4 of this many MiB in a file, mounted with errors=remount-ro (needs root).
        self.controller_disk_mib = controller_disk_mib
        self.disk_image = os.path.join(self.work, "controller.ext4")
        self.mounted = False

    # Processes

    def _start(self, name, command, extra_env=None):
        command = [os.path.join(self.bin_dir, command[0])] + command[1:]
        environment = dict(os.environ, WHARF_ADMIN_ACCESS_KEY_ID=ACCESS_KEY[0],
                           WHARF_ADMIN_SECRET_ACCESS_KEY=ACCESS_KEY[1], **(extra_env or {}))
        log = self.logs.get(name) or open(os.path.join(self.work, f"{name}.log"), "a")
        self.logs[name] = log
        log.write(f"--- started {time.strftime('%H:%M:%S')} ---\n")
        log.flush()
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=environment, start_new_session=True)

    def start_controller(self, timeout=60):
        """Starts the controller on its data directory and port; returns the seconds until /healthz
        answered, or raises when it exits or does not answer in `timeout`."""
        began = time.monotonic()
        self.controller = self._start("controller", [
            "wharf-controller", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.controller_dir,
            "--tls", "off"] + self.controller_args)
        wait_for("the controller's /healthz", self.healthy, timeout, {"controller": self.controller}, interval=0.05)
        return time.monotonic() - began

    def healthy(self):
        return urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status == 200

    def kill_controller(self):
        self.controller.send_signal(signal.SIGKILL)
        return self.controller.wait()

    def agent_dir(self, name):
        return os.path.join(self.work, name)

    def start_agent(self, name, extra=(), activation=None, wait=True):
        """Starts agent `name` (joining with a fresh activation the first time); returns once its
        log says it registered."""
        if name not in self.activations and activation is None:
            activation = self.activate()
        if activation:
            self.activations[name] = activation
            extra = list(extra) + ["--activation-id", activation["ActivationId"],
                                   "--activation-code", activation["ActivationCode"]]
        port = self.relays[name].port if name in self.relays else self.port
        log_path = os.path.join(self.work, f"{name}.log")
        offset = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        self.agents[name] = self._start(name, [
            "wharf-agent", "--controller", f"http://127.0.0.1:{port}", "--cluster", self.cluster,
            "--data-dir", self.agent_dir(name), "--image-pull-behavior", "prefer-cached", "--introspection-port", "0",
            "--metadata-port", "off", "--awsvpc", "off", "--reserved-ports", "22"] + self.agent_args + list(extra))
        if wait:
            wait_for(f"{name} to register", lambda: "instance.arn=" in open(log_path).read()[offset:], 60,
                     {name: self.agents[name], "controller": self.controller}, interval=0.1)

    def agent_tasks(self, name):
        """What agent `name` itself says it runs (its introspection endpoint's /v1/tasks, read from
        the address its latest start logged): {task ARN: (known status, [container IDs])}."""
        text = open(os.path.join(self.work, f"{name}.log")).read()
        start = text.rfind("introspection.url=")
        if start < 0:
            return {}
        url = text[start + len("introspection.url="):].split()[0].replace("/v1/metadata", "/v1/tasks")
        with urllib.request.urlopen(url, timeout=2) as answer:
            tasks = json.load(answer).get("Tasks") or []
        return {t["Arn"]: (t["KnownStatus"], sorted(c["DockerId"] for c in t.get("Containers") or []))
                for t in tasks}

    def mount_disk(self):
        """Mounts the image read-write on a loop device of its own, checked: a loop device still
        detaching from the last mount must not be reused."""
        device = subprocess.run(["losetup", "--find", "--show", self.disk_image], capture_output=True, text=True,
                                check=True).stdout.strip()
        subprocess.run(["mount", "-o", "errors=remount-ro", device, self.controller_dir], check=True)
        self.mounted = True
        options = subprocess.run(["findmnt", "-n", "-o", "OPTIONS", self.controller_dir], capture_output=True,
                                 text=True).stdout
        if not options.startswith("rw"):
            raise RuntimeError(f"the controller's file system mounted {options.strip()}, not read-write")

    def unmount_disk(self):
        """Unmounts the image and waits until its loop device is gone."""
        device = subprocess.run(["findmnt", "-n", "-o", "SOURCE", self.controller_dir], capture_output=True,
                                text=True).stdout.strip()
        subprocess.run(["umount", self.controller_dir], check=True)
        self.mounted = False
        if device.startswith("/dev/loop"):
            subprocess.run(["losetup", "-d", device], capture_output=True)
        deadline = time.monotonic() + 10
        while subprocess.run(["losetup", "-j", self.disk_image], capture_output=True, text=True).stdout.strip():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.disk_image} is still attached to a loop device")
            time.sleep(0.05)

    def check_disk(self):
        """e2fsck of the unmounted image, repairing what it finds (exit 0-2 is a clean or repaired
        file system)."""
        checked = subprocess.run(["e2fsck", "-f", "-y", self.disk_image], capture_output=True, text=True)
        if checked.returncode > 2:
            raise RuntimeError(f"e2fsck exited {checked.returncode}: {checked.stdout[-500:]}")

    def fail_disk(self):
        """Makes the controller's file system fail as a dying disk does: ext4 records an error and,
        mounted errors=remount-ro, turns read-only under the running controller."""
        device = subprocess.run(["findmnt", "-n", "-o", "SOURCE", self.controller_dir], capture_output=True,
                                text=True, check=True).stdout.strip()
        with open(f"/sys/fs/ext4/{os.path.basename(device)}/trigger_fs_error", "w") as trigger:
            trigger.write("wharf fault suite\n")

    def kill_agent(self, name):
        self.agents[name].send_signal(signal.SIGKILL)
        return self.agents[name].wait()

    def activate(self, instance=None):
        """A fresh activation; for `instance` (an ARN), one made for that container instance."""
        body = {"IamRole": "ecsAnywhereRole"}
        if instance:
            body["DefaultInstanceName"] = instance.split("/")[-1]
        return ecs(self.port, "CreateActivation", body, target="AmazonSSM")

    def __enter__(self):
        self.port = free_port()
        try:
            if self.controller_disk_mib:
                os.makedirs(self.controller_dir)
                subprocess.run(["truncate", "-s", f"{self.controller_disk_mib}M", self.disk_image], check=True)
                subprocess.run(["mkfs.ext4", "-q", "-m", "0", self.disk_image], check=True)
                self.mount_disk()
            self.start_controller()
            self.call("CreateCluster", {"clusterName": self.cluster})
            for index in range(1, self.agent_count + 1):
                name = f"node-{index}"
                if name in self.relayed:
                    self.relays[name] = Relay(self.port)
                self.start_agent(name)
        except BaseException as error:
            self.__exit__(type(error), error, None)
            raise
        return self

    @property
    def processes(self):
        return {"controller": self.controller, **self.agents}

    # The API

    def call(self, operation, body, target="AmazonEC2ContainerServiceV20141113", timeout=30):
        return ecs(self.port, operation, body, target=target, timeout=timeout)

    def instances(self):
        arns = self.call("ListContainerInstances", {"cluster": self.cluster})["containerInstanceArns"]
        if not arns:
            return []
        return self.call("DescribeContainerInstances", {"cluster": self.cluster,
                                                        "containerInstances": arns})["containerInstances"]

    def tasks(self, desired="RUNNING", service=None):
        body = {"cluster": self.cluster, "desiredStatus": desired}
        if service:
            body["serviceName"] = service
        arns, token = [], None
        while True:
            page = self.call("ListTasks", dict(body, **({"nextToken": token} if token else {})))
            arns += page["taskArns"]
            token = page.get("nextToken")
            if not token:
                break
        found = []
        for start in range(0, len(arns), 100):
            found += self.call("DescribeTasks", {"cluster": self.cluster, "tasks": arns[start:start + 100]})["tasks"]
        return found

    def register_sleeper(self, family, seconds=100000, memory=16):
        self.call("RegisterTaskDefinition", {"family": family, "containerDefinitions": [{
            "name": "app", "image": IMAGE, "command": ["sleep", str(seconds)], "memory": memory, "stopTimeout": 1}]})

    # The engine

    def containers(self, running_only=False):
        """This cluster's containers on the engine: dicts of id, running, task ARN, container name."""
        label = f"com.amazonaws.ecs.cluster={ACCOUNT_ARN}:cluster/{self.cluster}"
        listed = subprocess.run(["docker", "ps", "-q", "--no-trunc", "--filter", f"label={label}"]
                                + ([] if running_only else ["-a"]), capture_output=True, text=True).stdout.split()
        if not listed:
            return []
        fmt = ('{{.Id}}\t{{.State.Running}}\t{{index .Config.Labels "com.amazonaws.ecs.task-arn"}}\t'
               '{{index .Config.Labels "com.amazonaws.ecs.container-name"}}\t{{.State.StartedAt}}')
        out = subprocess.run(["docker", "inspect", "--format", fmt, *listed], capture_output=True, text=True).stdout
        found = []
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) == 5:
                found.append({"id": parts[0], "running": parts[1] == "true", "task": parts[2], "name": parts[3],
                              "started": parts[4]})
        return found

    def __exit__(self, kind, value, traceback):
        if kind is not None:
            for name, log in self.logs.items():
                log.flush()
                print(f"--- last lines of the {name} log ---", file=sys.stderr)
                print("".join(open(log.name).readlines()[-15:]), file=sys.stderr)
        for relay in self.relays.values():
            relay.close()
        for process in self.agents.values():
            stop(process)
        stop(self.controller)
        ids = [c["id"] for c in self.containers()]
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], stdout=subprocess.DEVNULL)
        for log in self.logs.values():
            log.close()
        if self.mounted:
            self.unmount_disk()
        shutil.rmtree(self.work, ignore_errors=True)
        return False


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else None


def arguments(doc):
    """The command line every scenario takes (--bin-dir, --json), plus its own to add; SIGTERM
    ends the script as Ctrl-C does, so its cleanup runs."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--json", help="merge the record into this JSON file")
    return parser
