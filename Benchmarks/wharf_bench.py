"""What Wharf's benchmark scripts share: the ECS JSON 1.1 calls, a controller and agents as real
processes on loopback (release binaries), cleanup of their containers, and the JSON record."""
import datetime, glob, json, os, platform, shutil, signal, socket, subprocess, sys, tempfile, time
import urllib.error, urllib.request

IMAGE = "wharf-test/busybox:latest"
# The bootstrap pair each benchmark controller starts with; every call is signed with it (SigV4).
ACCESS_KEY = ("AKWHBENCH00000000001", "bench-secret-0123456789abcdefghij")
SIGNING_NAMES = {"AmazonEC2ContainerServiceV20141113": "ecs", "AmazonSSM": "ssm", "Logs_20140328": "logs",
                 "secretsmanager": "secretsmanager"}
CLUSTER_LABEL = "com.amazonaws.ecs.cluster=arn:aws:ecs:us-east-1:000000000000:cluster/default"


def work_base():
    """Where a fleet's and a PostgreSQL server's directories go: WHARF_BENCH_WORK_DIR when set (a
    disk, to measure its flushes), else /dev/shm when there is one."""
    return os.environ.get("WHARF_BENCH_WORK_DIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else None)


def ecs(port, operation, body, target="AmazonEC2ContainerServiceV20141113", timeout=30):
    """One ECS call (or, with target AmazonSSM, an activation call); returns the decoded answer or
    raises RuntimeError with the error body."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    url, data = f"http://127.0.0.1:{port}/", json.dumps(body).encode()
    signed = AWSRequest(method="POST", url=url, data=data, headers={
        "X-Amz-Target": f"{target}.{operation}", "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(*ACCESS_KEY), SIGNING_NAMES[target], "us-east-1").add_auth(signed)
    request = urllib.request.Request(url, data=data, headers=dict(signed.headers.items()))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{operation}: HTTP {error.code} {error.read().decode(errors='replace')}") from None


def wait_for(what, check, timeout, processes, interval=0.5):
    """Polls check() until it is true; fails when a process exits or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with status {process.returncode} while waiting for {what}")
        try:
            if check():
                return
        except (OSError, RuntimeError):
            pass
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


def stop(process, grace=15):
    """SIGTERM, then SIGKILL after `grace` seconds."""
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Cluster:
    """A wharf-controller and one wharf-agent (cluster "default") in a temporary directory. Used as a
    context manager: on exit, even on failure or Ctrl-C, both are stopped, the containers of the
    given task definition family are removed, and the directory is deleted (logs printed first when
    something failed). `pull_behavior` is the agent's --image-pull-behavior."""

    def __init__(self, bin_dir, family, prefix, pull_behavior="prefer-cached"):
        self.bin_dir, self.family, self.pull_behavior = bin_dir, family, pull_behavior
        self.work = tempfile.mkdtemp(prefix=prefix)
        self.controller = self.agent = None
        self.logs = {}

    def __enter__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.logs = {n: open(os.path.join(self.work, f"{n}.log"), "w") for n in ("controller", "agent")}
        self.controller = self._start("controller", [
            "wharf-controller", "--listen", f"127.0.0.1:{self.port}", "--data-dir", os.path.join(self.work, "controller")])
        wait_for("the controller's /healthz", lambda: urllib.request.urlopen(
            f"http://127.0.0.1:{self.port}/healthz", timeout=2).status == 200, 30, {"controller": self.controller})
        activation = ecs(self.port, "CreateActivation", {"IamRole": "ecsAnywhereRole"}, target="AmazonSSM")
        self.agent = self._start("agent", [
            "wharf-agent", "--controller", f"http://127.0.0.1:{self.port}", "--cluster", "default",
            "--data-dir", os.path.join(self.work, "agent"), "--image-pull-behavior", self.pull_behavior,
            "--activation-id", activation["ActivationId"], "--activation-code", activation["ActivationCode"]])
        wait_for("the agent to register", lambda: self.call("ListContainerInstances", {"cluster": "default"})
                 ["containerInstanceArns"], 60, self.processes)
        return self

    def _start(self, name, command):
        command[0] = os.path.join(self.bin_dir, command[0])
        environment = dict(os.environ, WHARF_ADMIN_ACCESS_KEY_ID=ACCESS_KEY[0], WHARF_ADMIN_SECRET_ACCESS_KEY=ACCESS_KEY[1])
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self.logs[name], stderr=subprocess.STDOUT,
                                env=environment, start_new_session=True)  # Ctrl-C reaches only the script

    @property
    def processes(self):
        return {"controller": self.controller, "agent": self.agent}

    def call(self, operation, body):
        return ecs(self.port, operation, body)

    def __exit__(self, kind, value, traceback):
        if kind is not None:
            for name in ("controller", "agent"):
                path = os.path.join(self.work, f"{name}.log")
                if os.path.exists(path):
                    print(f"--- last lines of the {name} log ---", file=sys.stderr)
                    print("".join(open(path).readlines()[-15:]), file=sys.stderr)
        stop(self.agent)
        stop(self.controller)
        ids = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={CLUSTER_LABEL}", "--filter",
                              f"label=com.amazonaws.ecs.task-definition-family={self.family}"],
                             capture_output=True, text=True).stdout.split()
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], stdout=subprocess.DEVNULL)
        for log in self.logs.values():
            log.close()
        shutil.rmtree(self.work, ignore_errors=True)
        return False


def machine():
    cpuinfo = open("/proc/cpuinfo").read()
    model = next((l.split(":", 1)[1].strip() for l in cpuinfo.splitlines() if l.startswith("model name")), "unknown")
    mem_kib = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1])
    docker = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True)
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 1024 ** 2, 1),
            "kernel": platform.release(), "docker": docker.stdout.strip() or "unknown"}


def write_record(path, name, bin_dir, parameters, results):
    """Merges one benchmark's record (date, machine, build, parameters, results) into `path`."""
    real = os.path.realpath(bin_dir)
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True)
    # WHARF_BENCH_COMMIT names the build measured when it is not this checkout's HEAD (a
    # baseline built from an earlier commit, measured beside today's).
    commit = os.environ.get("WHARF_BENCH_COMMIT") or subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                                                    text=True).stdout.strip()
    record = {"benchmark": name, "date": datetime.date.today().isoformat(), "machine": machine(),
              "build": {"type": "release" if "release" in real else "debug" if "debug" in real else "unknown",
                        "bin_dir": bin_dir, "commit": commit, "swift": (swift.stdout or swift.stderr).splitlines()[0]},
              "parameters": parameters, "results": results}
    existing = json.load(open(path)) if os.path.exists(path) else {}
    existing[name] = record
    with open(path, "w") as f:
        json.dump(existing, f, indent=2)
        f.write("\n")
    print(f"wrote {path}")


def raise_fd_limit():
    """For a child process: as many open files as root may have (each simulated agent holds a connection)."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(max(hard, 200_000), 1_048_576) if os.geteuid() == 0 else hard
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Fleet:
    """A release wharf-controller with open registration and wharf-sim's simulated agents, in a
    temporary directory (in /dev/shm when there is one). A context manager: on entry both run and
    every agent has registered; on exit, even on failure or Ctrl-C, both are stopped (the logs'
    last lines printed first when something failed) and the directory is deleted."""

    def __init__(self, bin_dir, agents, prefix, sim_arguments=(), register_timeout=300, controller_arguments=(), sim_bin_dir=None,
                 sim_nice=0):
        self.bin_dir, self.agents, self.sim_arguments, self.register_timeout = bin_dir, agents, list(sim_arguments), register_timeout
        # The simulator's niceness: above 0 it gets the CPU the controller leaves, as the nodes of a
        # real fleet, on their own machines, would not take the controller's.
        self.sim_nice = sim_nice
        self.controller_arguments = list(controller_arguments)
        # The simulator may come from another build than the controller (an older controller
        # measured with today's simulator: they speak the same agent protocol).
        self.sim_bin_dir = sim_bin_dir or bin_dir
        self.work = tempfile.mkdtemp(prefix=prefix, dir=work_base())
        self.controller = self.sim = None
        self.logs = {}

    def _start(self, name, command, environment=None):
        simulator = command[0] == "wharf-sim"
        directory = self.sim_bin_dir if simulator else self.bin_dir
        nice = self.sim_nice if simulator else 0

        def prepare():
            raise_fd_limit()
            if nice:
                os.nice(nice)
                # The child leads a session of its own (start_new_session), and with the kernel's
                # autogroups each session shares the CPU equally whatever its processes' niceness:
                # the niceness that counts between them is the group's.
                try:
                    with open("/proc/self/autogroup", "w") as group:
                        group.write(str(nice))
                except OSError:
                    pass
        return subprocess.Popen([os.path.join(directory, command[0])] + command[1:], stdin=subprocess.DEVNULL, stdout=self.logs[name],
                                stderr=subprocess.STDOUT, env=environment, start_new_session=True, preexec_fn=prepare)

    def __enter__(self):
        self.logs = {n: open(os.path.join(self.work, f"{n}.log"), "w") for n in ("controller", "sim")}
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        environment = dict(os.environ, WHARF_ADMIN_ACCESS_KEY_ID=ACCESS_KEY[0], WHARF_ADMIN_SECRET_ACCESS_KEY=ACCESS_KEY[1])
        self.controller = self._start("controller", ["wharf-controller", "--listen", f"127.0.0.1:{self.port}", "--data-dir",
                                                     os.path.join(self.work, "controller"), "--open-registration"]
                                      + self.controller_arguments, environment)
        wait_for("the controller's /healthz", lambda: urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status == 200,
                 30, {"controller": self.controller})
        self.started = time.monotonic()
        self.sim = self._start("sim", ["wharf-sim", "--controller", f"http://127.0.0.1:{self.port}", "--agents", str(self.agents),
                                       "--data-dir", os.path.join(self.work, "fleet")] + self.sim_arguments)
        wait_for(f"{self.agents} agents to register", lambda: f"{self.agents}/{self.agents} agents registered" in self.log("sim"),
                 self.register_timeout, self.processes, interval=1)
        return self

    @property
    def processes(self):
        return {"controller": self.controller, "sim": self.sim}

    def log(self, name):
        return open(os.path.join(self.work, f"{name}.log")).read()

    def call(self, operation, body):
        return ecs(self.port, operation, body)

    def __exit__(self, kind, value, traceback):
        if kind is not None:
            for name in ("controller", "sim"):
                self.logs[name].flush()
                print(f"--- last lines of the {name} log ---", file=sys.stderr)
                print("".join(self.log(name).splitlines(keepends=True)[-10:]), file=sys.stderr)
        stop(self.sim, grace=120)
        stop(self.controller)
        for log in self.logs.values():
            log.close()
        shutil.rmtree(self.work, ignore_errors=True)
        return False


class Postgres:
    """A PostgreSQL server of Debian's `postgresql` for one benchmark, with the package's defaults
    (fsync and synchronous commit on, as a production server runs): initdb as the postgres user in
    a temporary directory beside the controllers' (`work_base()`, so both stores sit on the same
    medium), loopback only, trust authentication, superuser and database `wharf`. A context
    manager: the server is stopped and its directory deleted on exit."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql, or bash .ci/setup.sh ensure-postgres)")
        self.bin = os.path.dirname(bins[-1])
        self.work = tempfile.mkdtemp(prefix="wharf-bench-pg-", dir=work_base())
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.schemas = 0

    def _as_postgres(self, command, **kwargs):
        return subprocess.run(["runuser", "-u", "postgres", "--"] + command, check=True, capture_output=True, text=True, **kwargs)

    def __enter__(self):
        os.chmod(self.work, 0o755)
        data = os.path.join(self.work, "data")
        os.makedirs(data, mode=0o700)
        shutil.chown(self.work, "postgres", "postgres")
        shutil.chown(data, "postgres", "postgres")
        self._as_postgres([f"{self.bin}/initdb", "-D", data, "-U", "wharf", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        self._as_postgres([f"{self.bin}/pg_ctl", "-D", data, "-l", os.path.join(self.work, "server.log"), "-w", "-t", "60",
                           "-o", f"-p {self.port} -k {self.work} -c listen_addresses=127.0.0.1 -c max_connections=300", "start"])
        subprocess.run([f"{self.bin}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "wharf", "wharf"], check=True)
        return self

    def url(self):
        """A store URL under a schema prefix of its own (a fresh cluster each time)."""
        self.schemas += 1
        return f"postgres://wharf@127.0.0.1:{self.port}/wharf?sslmode=disable&schema=bench{self.schemas}"

    def settings(self):
        query = "SELECT name || '=' || setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'server_version')"
        out = subprocess.run([f"{self.bin}/psql", "-X", "-q", "-tA", "-h", "127.0.0.1", "-p", str(self.port), "-U", "wharf", "-d", "wharf",
                              "-c", query], capture_output=True, text=True).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def __exit__(self, kind, value, traceback):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D", os.path.join(self.work, "data"), "-m", "fast",
                        "-w", "-t", "30", "stop"], capture_output=True)
        shutil.rmtree(self.work, ignore_errors=True)
        return False
