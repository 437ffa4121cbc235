#!/usr/bin/env bash
# Prepares a Debian machine for Wharf's tests: a Docker engine, the local test image, a registry on
# loopback, and the AWS CLI/boto3 used by the compatibility tests. Every step checks first and does
# nothing when its work is already done, so a second run takes under a second.
#
# Usage: .ci/setup.sh [COMMAND]
#   all                (default) every ensure-* step below, in order
#   ensure-packages    apt-get install docker.io busybox-static docker-registry iproute2 curl openssl systemd shellcheck
#                      util-linux procps haproxy zlib1g-dev e2fsprogs postgresql chromium chromium-driver
#                      fonts-liberation
#                      prometheus (for promtool) if missing
#   ensure-docker      start dockerd in the background unless `docker version` already answers
#   ensure-test-image  build $WHARF_TEST_IMAGE from Debian's static busybox with `docker import`
#   ensure-registry    run docker-registry on $WHARF_CI_REGISTRY_ADDR and push the test image to it
#   ensure-awscli      pip install awscli boto3 if either is missing
#   ensure-postgres    start a PostgreSQL server of Debian's postgresql on $WHARF_CI_POSTGRES_PORT (loopback,
#                      trust authentication, superuser and database `wharf`) unless it already answers
#   ensure-chromium    the packages step, which installs chromium, chromium-driver and fonts-liberation for
#                      the console's browser tests
#   teardown           stop the dockerd and registry that any earlier run of this script started
#
# Sourced (as .ci/run does), the script only defines functions. `wharf_ci_teardown` then stops
# only what this shell started, which makes it safe to call from an EXIT trap: an engine that was
# already running before setup stays running.
#
# Environment:
#   WHARF_CI_DIR            state, logs and pid files (default /tmp/wharf-ci)
#   WHARF_TEST_IMAGE        name of the test image (default wharf-test/busybox:latest)
#   WHARF_CI_REGISTRY_ADDR  loopback address of the test registry (default 127.0.0.1:5000)
#   WHARF_CI_DOCKERD_FLAGS  extra dockerd flags, split on whitespace (default none; see below)
#   WHARF_CI_POSTGRES_PORT  loopback port of the test PostgreSQL server (default 55432); the tests
#                           reach it at postgres://wharf@127.0.0.1:PORT/wharf?sslmode=disable
#
# dockerd on these machines. There is no systemd (PID 1 is the sandbox's own init) and cgroups v1
# is mounted, so dockerd is started by hand, detached with setsid, its output in
# $WHARF_CI_DIR/dockerd.log. Plain `dockerd` works here: overlay2 on the ext4 root, cgroupfs
# driver, iptables through Debian's nft backend, the default docker0 bridge (172.17.0.0/16) with
# NAT, and `-p` publishing (iptables DNAT plus docker-proxy, so 127.0.0.1:PORT answers from the
# host). No flag is needed, so none is passed. WHARF_CI_DOCKERD_FLAGS is for a machine that
# differs: `--storage-driver=vfs` without overlayfs; `--iptables=false` without netfilter (published
# ports still answer through docker-proxy, but containers lose outbound NAT).

WHARF_CI_DIR="${WHARF_CI_DIR:-/tmp/wharf-ci}"
WHARF_TEST_IMAGE="${WHARF_TEST_IMAGE:-wharf-test/busybox:latest}"
WHARF_CI_REGISTRY_ADDR="${WHARF_CI_REGISTRY_ADDR:-127.0.0.1:5000}"
WHARF_CI_DOCKERD_FLAGS="${WHARF_CI_DOCKERD_FLAGS:-}"
WHARF_CI_POSTGRES_PORT="${WHARF_CI_POSTGRES_PORT:-55432}"

# Bump when the test image's root filesystem recipe changes, so existing images are rebuilt.
WHARF_CI_IMAGE_RECIPE=1
WHARF_CI_IMAGE_LABEL=org.wharf.test-image.busybox
WHARF_CI_BUSYBOX=/bin/busybox

# Pids of the daemons this shell started; wharf_ci_teardown stops exactly these.
WHARF_CI_STARTED_DOCKERD=""
WHARF_CI_STARTED_REGISTRY=""
WHARF_CI_STARTED_POSTGRES=""

# Execs a command holding none of this shell's descriptors but the three standard ones, which the
# caller redirects; run it in a subshell. A daemon keeps open whatever its starter held: the setup
# lock would stay taken, a caller reading a pipe to its end would wait forever, and Foundation's
# Process, which learns that its child ended when a socket it passed to the child closes, would
# never see setup.sh end (swift-corelibs-foundation issue 4795: a test waited in waitUntilExit
# behind the PostgreSQL server that setup.sh had started).
wharf_ci_exec_detached() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null; fi
    done
    exec "$@"
}

wharf_ci_log() {
    printf '[wharf-ci] %s\n' "$*" >&2
}

wharf_ci_fail() {
    wharf_ci_log "error: $*"
    return 1
}

wharf_ci_state_dir() {
    mkdir -p "$WHARF_CI_DIR"
}

# True when pid file $1 names a live process whose command is $2 (guards against pid reuse; the
# kernel keeps 15 characters of a command name).
wharf_ci_pidfile_alive() {
    local pidfile=$1 comm=$2 pid
    [[ -s $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm && $(<"/proc/$pid/comm") == "$comm" ]]
}

# Sends SIGTERM to the process in pid file $1 if it still runs $2, waits up to $3 seconds, then
# SIGKILLs it. Removes the pid file.
wharf_ci_stop_pidfile() {
    local pidfile=$1 comm=$2 grace=$3 pid i
    if ! wharf_ci_pidfile_alive "$pidfile" "$comm"; then
        rm -f "$pidfile"
        return 0
    fi
    pid=$(<"$pidfile")
    wharf_ci_log "stopping $comm (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        [[ -d /proc/$pid ]] || break
        sleep 0.1
    done
    if [[ -d /proc/$pid ]]; then
        wharf_ci_log "$comm (pid $pid) still running after ${grace}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

wharf_ci_pkg_installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

wharf_ci_ensure_packages() {
    local missing=()
    { command -v dockerd && command -v docker; } >/dev/null 2>&1 || missing+=(docker.io)
    wharf_ci_pkg_installed busybox-static || missing+=(busybox-static)
    command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
    command -v ip >/dev/null 2>&1 || missing+=(iproute2)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)
    command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
    command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
    # wharf lab: nsenter starts each node's engine in its namespace; pkill and pgrep clean up.
    command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
    command -v pkill >/dev/null 2>&1 || missing+=(procps)
    # promtool checks the daemons' /metrics; Debian ships it in the prometheus package.
    command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
    # The load balancer nodes' data plane (wharf-agent --load-balancer runs its own HAProxy; the
    # package's own service is kept from starting by the policy below).
    command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
    # The fault suite puts the controller's data directory on an ext4 file system in a file that
    # it fills and makes fail (mkfs.ext4, e2fsck; findmnt comes with util-linux).
    command -v mkfs.ext4 >/dev/null 2>&1 || missing+=(e2fsprogs)
    command -v findmnt >/dev/null 2>&1 || missing+=(util-linux)
    # The PostgreSQL store's tests and the high-availability suite (issue 20); the package's own
    # cluster is kept from starting by the policy below, the tests' server runs from $WHARF_CI_DIR.
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
    # The web console's browser tests (issue 21): headless Chromium driven by its WebDriver, with
    # a font for its screenshots.
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
    wharf_ci_pkg_installed fonts-liberation || missing+=(fonts-liberation)
    # zlib's headers, which the controller links to inflate gzip request bodies.
    wharf_ci_pkg_installed zlib1g-dev || missing+=(zlib1g-dev)
    if ((${#missing[@]} == 0)); then
        wharf_ci_log "packages: all present"
        return 0
    fi
    wharf_ci_state_dir
    ((EUID == 0)) || wharf_ci_fail "missing packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})" || return
    wharf_ci_log "packages: installing ${missing[*]}"
    # Package scripts must not start docker or the registry as services: this script owns their
    # lifetime. policy-rc.d (exit 101 = "action forbidden") tells invoke-rc.d so, on machines with
    # and without systemd. Only a policy we created is removed again.
    local policy=/usr/sbin/policy-rc.d created_policy=0 status=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 0755 "$policy"
        created_policy=1
    fi
    {
        DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    } >"$WHARF_CI_DIR/apt.log" 2>&1 || status=$?
    ((created_policy)) && rm -f "$policy"
    if ((status != 0)); then
        tail -n 30 "$WHARF_CI_DIR/apt.log" >&2
        wharf_ci_fail "apt-get failed (status $status); full log in $WHARF_CI_DIR/apt.log"
        return
    fi
}

wharf_ci_docker_answers() {
    timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

wharf_ci_ensure_docker() {
    if wharf_ci_docker_answers; then
        wharf_ci_log "docker: engine $(docker version --format '{{.Server.Version}}') already answering"
        return 0
    fi
    command -v dockerd >/dev/null 2>&1 || wharf_ci_ensure_packages || return
    wharf_ci_state_dir
    local pidfile="$WHARF_CI_DIR/dockerd.pid" log="$WHARF_CI_DIR/dockerd.log" pid i flags=()
    if wharf_ci_pidfile_alive "$pidfile" dockerd; then
        pid=$(<"$pidfile")
        wharf_ci_log "docker: dockerd (pid $pid) started earlier is not answering yet; waiting"
    else
        # An engine still shutting down (a teardown just before) holds /var/run/docker.pid: wait
        # for it; a pid file left by an engine that died is removed, or the new one refuses to start.
        local old
        old=$(cat /var/run/docker.pid 2>/dev/null || true)
        for ((i = 0; i < 120; i++)); do
            [[ -n $old && -d /proc/$old ]] || break
            ((i == 0)) && wharf_ci_log "docker: waiting for dockerd (pid $old) to finish shutting down"
            sleep 0.5
        done
        [[ -n $old && ! -d /proc/$old ]] && rm -f /var/run/docker.pid
        read -r -a flags <<<"$WHARF_CI_DOCKERD_FLAGS"
        wharf_ci_log "docker: starting dockerd${flags[*]:+ ${flags[*]}} (log: $log)"
        # setsid: a Ctrl-C in the terminal that runs the tests must not reach the daemon.
        printf '\n=== dockerd started %s ===\n' "$(date -u +%FT%TZ)" >>"$log"
        (wharf_ci_exec_detached setsid dockerd "${flags[@]}") </dev/null >>"$log" 2>&1 &
        pid=$!
        echo "$pid" >"$pidfile"
        WHARF_CI_STARTED_DOCKERD=$pid
    fi
    for ((i = 0; i < 120; i++)); do
        if wharf_ci_docker_answers; then
            wharf_ci_log "docker: engine $(docker version --format '{{.Server.Version}}') answering after $((i / 2))s"
            return 0
        fi
        if [[ ! -d /proc/$pid ]]; then
            tail -n 30 "$log" >&2
            rm -f "$pidfile"
            WHARF_CI_STARTED_DOCKERD=""
            wharf_ci_fail "dockerd exited during startup; log in $log"
            return
        fi
        sleep 0.5
    done
    tail -n 30 "$log" >&2
    wharf_ci_fail "dockerd (pid $pid) did not answer \`docker version\` within 60s; log in $log"
}

wharf_ci_busybox_version() {
    dpkg-query -W -f='${Version}' busybox-static
}

wharf_ci_ensure_test_image() {
    wharf_ci_pkg_installed busybox-static || wharf_ci_ensure_packages || return
    local want have
    want="$(wharf_ci_busybox_version)+recipe$WHARF_CI_IMAGE_RECIPE"
    have=$(docker image inspect --format "{{index .Config.Labels \"$WHARF_CI_IMAGE_LABEL\"}}" \
        "$WHARF_TEST_IMAGE" 2>/dev/null || true)
    if [[ $have == "$want" ]]; then
        wharf_ci_log "test image: $WHARF_TEST_IMAGE up to date (busybox $want)"
        return 0
    fi
    wharf_ci_log "test image: building $WHARF_TEST_IMAGE (busybox $want${have:+, replacing $have})"
    local rootfs status=0
    wharf_ci_state_dir
    rootfs=$(mktemp -d "$WHARF_CI_DIR/rootfs.XXXXXX")
    wharf_ci_build_rootfs "$rootfs" &&
        tar -C "$rootfs" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - . |
        docker import \
            --change "LABEL $WHARF_CI_IMAGE_LABEL=$want" \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'CMD ["/bin/sh"]' \
            --message "Wharf test image: Debian busybox-static $want" \
            - "$WHARF_TEST_IMAGE" >/dev/null || status=$?
    rm -rf "$rootfs"
    ((status == 0)) || wharf_ci_fail "building $WHARF_TEST_IMAGE failed (status $status)"
}

# A minimal root filesystem: static busybox, one symlink per applet at its usual path, and the
# files programs expect (passwd, group, a sticky /tmp, a home for root). Beware: this busybox's
# `wget -T SECONDS` segfaults (exit 139); bound a request with `timeout SECONDS wget ...` instead.
wharf_ci_build_rootfs() {
    local root=$1 applet
    [[ -x $WHARF_CI_BUSYBOX ]] || wharf_ci_fail "$WHARF_CI_BUSYBOX is missing; is busybox-static installed?" || return
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/www,proc,sys,dev} &&
        chmod 1777 "$root/tmp" &&
        chmod 0700 "$root/root" &&
        cp "$WHARF_CI_BUSYBOX" "$root/bin/busybox" || return
    while read -r applet; do
        [[ -n $applet && ! -e $root/$applet ]] || continue
        mkdir -p "$root/$(dirname "$applet")" && ln -s /bin/busybox "$root/$applet" || return
    done < <("$WHARF_CI_BUSYBOX" --list-full)
    [[ -L $root/bin/sh ]] || wharf_ci_fail "busybox --list-full did not provide /bin/sh" || return
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
        >"$root/etc/passwd" &&
        printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
}

wharf_ci_registry_answers() {
    curl -fsS --max-time 5 -o /dev/null "http://$WHARF_CI_REGISTRY_ADDR/v2/" 2>/dev/null
}

wharf_ci_ensure_registry() {
    local pidfile="$WHARF_CI_DIR/registry.pid" log="$WHARF_CI_DIR/registry.log"
    local config="$WHARF_CI_DIR/registry.yml" pid i
    wharf_ci_state_dir
    if wharf_ci_registry_answers; then
        wharf_ci_log "registry: http://$WHARF_CI_REGISTRY_ADDR already answering"
    else
        command -v docker-registry >/dev/null 2>&1 || wharf_ci_ensure_packages || return
        cat >"$config" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $WHARF_CI_DIR/registry-data
  delete:
    enabled: true
http:
  addr: $WHARF_CI_REGISTRY_ADDR
EOF
        wharf_ci_log "registry: starting docker-registry on $WHARF_CI_REGISTRY_ADDR (log: $log)"
        (wharf_ci_exec_detached setsid docker-registry serve "$config") </dev/null >>"$log" 2>&1 &
        pid=$!
        echo "$pid" >"$pidfile"
        WHARF_CI_STARTED_REGISTRY=$pid
        for ((i = 0; ; i++)); do
            wharf_ci_registry_answers && break
            if [[ ! -d /proc/$pid ]] || ((i >= 100)); then
                tail -n 20 "$log" >&2
                wharf_ci_fail "docker-registry did not answer on $WHARF_CI_REGISTRY_ADDR; log in $log"
                return
            fi
            sleep 0.1
        done
    fi
    wharf_ci_seed_registry
}

# Pushes the test image to the registry unless the registry already holds exactly this image: the
# config digest in the registry's manifest is the local image's id.
wharf_ci_seed_registry() {
    local repo="${WHARF_TEST_IMAGE%:*}" tag="${WHARF_TEST_IMAGE##*:}" remote local_id remote_id
    remote="$WHARF_CI_REGISTRY_ADDR/$repo"
    local_id=$(docker image inspect --format '{{.Id}}' "$WHARF_TEST_IMAGE") || return
    remote_id=$(curl -fsS --max-time 5 \
        -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$WHARF_CI_REGISTRY_ADDR/v2/$repo/manifests/$tag" 2>/dev/null |
        tr -d ' \n' | grep -o '"config":{[^}]*' | grep -o 'sha256:[0-9a-f]\{64\}' || true)
    if [[ $remote_id == "$local_id" ]]; then
        wharf_ci_log "registry: $remote:$tag up to date"
        return 0
    fi
    wharf_ci_log "registry: pushing $WHARF_TEST_IMAGE as $remote:$tag"
    docker tag "$WHARF_TEST_IMAGE" "$remote:$tag" &&
        docker push --quiet "$remote:$tag" >/dev/null &&
        docker rmi "$remote:$tag" >/dev/null
}

wharf_ci_ensure_awscli() {
    # find_spec instead of running `aws --version` or importing boto3: a second faster (pyenv).
    # The awscli package installs the `aws` entry point next to the module it finds.
    if command -v aws >/dev/null 2>&1 && python3 -c 'import importlib.util as u, sys
sys.exit(0 if u.find_spec("awscli") and u.find_spec("boto3") else 1)' >/dev/null 2>&1; then
        wharf_ci_log "awscli: aws and boto3 present"
        return 0
    fi
    # Pinned: Sources/WharfModel/ECS/Generated comes from this botocore's ECS model, and a test
    # checks that the committed shapes still match the installed model.
    wharf_ci_log "awscli: pip install awscli==1.45.11 boto3==1.43.11"
    python3 -m pip install --quiet "awscli==1.45.11" "boto3==1.43.11"
}

wharf_ci_postgres_bin() {
    local dirs=(/usr/lib/postgresql/*/bin)
    [[ -x ${dirs[-1]}/initdb ]] && echo "${dirs[-1]}"
}

wharf_ci_postgres_answers() {
    local bin
    bin=$(wharf_ci_postgres_bin) || return 1
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$WHARF_CI_POSTGRES_PORT" -t 2 >/dev/null 2>&1 &&
        "$bin/psql" -X -q -h 127.0.0.1 -p "$WHARF_CI_POSTGRES_PORT" -U wharf -d wharf -c 'SELECT 1' >/dev/null 2>&1
}

# A server of its own (not the package's cluster): initdb runs as the postgres user, the data in
# $WHARF_CI_DIR/postgres, loopback only, trust authentication; superuser and database `wharf`.
wharf_ci_ensure_postgres() {
    wharf_ci_state_dir
    if wharf_ci_postgres_answers; then
        wharf_ci_log "postgres: answering on 127.0.0.1:$WHARF_CI_POSTGRES_PORT"
        return 0
    fi
    local bin data="$WHARF_CI_DIR/postgres" log="$WHARF_CI_DIR/postgres.log" socket="$WHARF_CI_DIR/postgres-socket"
    bin=$(wharf_ci_postgres_bin) || { wharf_ci_ensure_packages && bin=$(wharf_ci_postgres_bin); } ||
        wharf_ci_fail "postgresql is not installed" || return
    chmod 0755 "$WHARF_CI_DIR"
    mkdir -p "$socket"
    chown postgres:postgres "$socket"
    if [[ ! -s $data/PG_VERSION ]]; then
        rm -rf "$data"
        install -d -o postgres -g postgres -m 0700 "$data"
        wharf_ci_log "postgres: initdb in $data"
        runuser -u postgres -- "$bin/initdb" -D "$data" -U wharf --auth=trust -E UTF8 --locale=C.UTF-8 \
            >"$WHARF_CI_DIR/initdb.log" 2>&1 || {
            tail -n 20 "$WHARF_CI_DIR/initdb.log" >&2
            wharf_ci_fail "initdb failed; log in $WHARF_CI_DIR/initdb.log"
            return
        }
    fi
    touch "$log"
    chown postgres:postgres "$log"
    wharf_ci_log "postgres: starting on 127.0.0.1:$WHARF_CI_POSTGRES_PORT (log: $log)"
    # fsync off: the suites kill controllers, never this server, and on a busy two-core machine its
    # flushes made a schema migration take over 15 s. Benchmarks run a server of their own.
    local options="-p $WHARF_CI_POSTGRES_PORT -k $socket -c listen_addresses=127.0.0.1 -c max_connections=300"
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    (wharf_ci_exec_detached runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "$options" start) \
        </dev/null >/dev/null 2>>"$log" || { tail -n 20 "$log" >&2; wharf_ci_fail "postgres did not start"; return; }
    head -n 1 "$data/postmaster.pid" >"$WHARF_CI_DIR/postgres.pid"
    WHARF_CI_STARTED_POSTGRES=$(<"$WHARF_CI_DIR/postgres.pid")
    if ! "$bin/psql" -X -q -h 127.0.0.1 -p "$WHARF_CI_POSTGRES_PORT" -U wharf -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'wharf'" | grep -q 1; then
        "$bin/createdb" -h 127.0.0.1 -p "$WHARF_CI_POSTGRES_PORT" -U wharf wharf ||
            wharf_ci_fail "cannot create the database wharf" || return
    fi
    wharf_ci_postgres_answers || wharf_ci_fail "postgres started but does not answer" || return
}

# A fast shutdown (open sessions ended), as pg_ctl does it.
wharf_ci_stop_postgres() {
    local bin data="$WHARF_CI_DIR/postgres"
    wharf_ci_pidfile_alive "$WHARF_CI_DIR/postgres.pid" postgres || { rm -f "$WHARF_CI_DIR/postgres.pid"; return 0; }
    bin=$(wharf_ci_postgres_bin) || return 0
    wharf_ci_log "stopping postgres (pid $(<"$WHARF_CI_DIR/postgres.pid"))"
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
        kill -KILL "$(<"$WHARF_CI_DIR/postgres.pid")" 2>/dev/null || true
    rm -f "$WHARF_CI_DIR/postgres.pid"
}

wharf_ci_setup_all() {
    wharf_ci_ensure_packages &&
        wharf_ci_ensure_docker &&
        wharf_ci_ensure_test_image &&
        wharf_ci_ensure_registry &&
        wharf_ci_ensure_awscli &&
        wharf_ci_ensure_postgres
}

# Stops what this shell started (an EXIT trap in .ci/run). An engine or registry that was running
# before setup is left alone.
wharf_ci_teardown() {
    if [[ -n $WHARF_CI_STARTED_POSTGRES ]]; then
        wharf_ci_stop_postgres
        WHARF_CI_STARTED_POSTGRES=""
    fi
    if [[ -n $WHARF_CI_STARTED_REGISTRY ]]; then
        wharf_ci_stop_pidfile "$WHARF_CI_DIR/registry.pid" docker-registry 10
        WHARF_CI_STARTED_REGISTRY=""
    fi
    if [[ -n $WHARF_CI_STARTED_DOCKERD ]]; then
        # Running containers get their stop timeout (10s) before dockerd exits.
        wharf_ci_stop_pidfile "$WHARF_CI_DIR/dockerd.pid" dockerd 30
        WHARF_CI_STARTED_DOCKERD=""
    fi
}

# Stops whatever any run of this script started and recorded in a pid file.
wharf_ci_teardown_recorded() {
    wharf_ci_stop_postgres
    wharf_ci_stop_pidfile "$WHARF_CI_DIR/registry.pid" docker-registry 10
    wharf_ci_stop_pidfile "$WHARF_CI_DIR/dockerd.pid" dockerd 30
}

# Serialises concurrent runs (two test processes asking for the engine at once) on a lock file.
# A caller that sources this script must unlock before it runs the tests: the tests' own fixtures
# call this script again and would wait for the lock forever.
wharf_ci_lock() {
    wharf_ci_state_dir
    exec {WHARF_CI_LOCK_FD}>"$WHARF_CI_DIR/setup.lock"
    flock -w 600 "$WHARF_CI_LOCK_FD" || wharf_ci_fail "another setup holds $WHARF_CI_DIR/setup.lock"
}

wharf_ci_unlock() {
    if [[ -n ${WHARF_CI_LOCK_FD:-} ]]; then
        exec {WHARF_CI_LOCK_FD}>&-
        WHARF_CI_LOCK_FD=""
    fi
}

wharf_ci_main() {
    set -euo pipefail
    local command=${1:-all}
    wharf_ci_lock
    case $command in
    all) wharf_ci_setup_all ;;
    ensure-packages) wharf_ci_ensure_packages ;;
    ensure-docker) wharf_ci_ensure_docker ;;
    ensure-test-image) wharf_ci_ensure_test_image ;;
    ensure-registry) wharf_ci_ensure_registry ;;
    ensure-awscli) wharf_ci_ensure_awscli ;;
    ensure-postgres) wharf_ci_ensure_postgres ;;
    ensure-chromium) wharf_ci_ensure_packages ;;
    teardown) wharf_ci_teardown_recorded ;;
    -h | --help | help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" ;;
    *)
        wharf_ci_fail "unknown command '$command' (try: all, ensure-docker, ensure-test-image, ensure-registry, ensure-awscli, ensure-postgres, ensure-chromium, teardown)"
        ;;
    esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    wharf_ci_main "$@"
fi
