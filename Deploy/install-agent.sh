#!/usr/bin/env bash
# Joins this machine to a Wharf cluster as a node, as ECS Anywhere's ecs-anywhere-install.sh does:
# installs the wharf-agent binary and its systemd unit, writes its settings with the activation,
# starts it, and waits until it has registered.
#
#   install-agent.sh --controller URL[,URL...] --activation-id ID --activation-code CODE [--cluster NAME]
#                    [--region REGION] [--binary PATH] [--install-docker] [--no-start]
#                    [--ca-fingerprint SHA256 | --ca-file PATH] [--insecure-http]
#   install-agent.sh --uninstall
#
# Several controllers (high availability) are given comma-separated: the agent moves to the next one
# that answers. A plain http:// controller beyond this machine is refused, as the agent refuses it
# (the node's credential would cross the network in clear), unless --insecure-http accepts the risk.
# Running it twice is safe: it replaces the binary and the unit, keeps the agent's identity, and
# restarts the agent. --uninstall stops and removes what it installed (the binary, the unit, the
# settings) but leaves the agent's state in /var/lib/wharf-agent and the task containers alone, so a
# later install rejoins as the same node; remove that directory to leave the cluster for good.
#
# Environment (for tests and unusual layouts): WHARF_INSTALL_ROOT (default /) prefixes every path
# written; WHARF_INSTALL_TIMEOUT (default 120) is how many seconds to wait for the registration.
set -euo pipefail

root="${WHARF_INSTALL_ROOT:-/}"
root="${root%/}"
bin_path="$root/usr/local/bin/wharf-agent"
unit_path="$root/etc/systemd/system/wharf-agent.service"
env_dir="$root/etc/wharf"
env_path="$env_dir/agent.env"
timeout="${WHARF_INSTALL_TIMEOUT:-120}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

controller="" activation_id="" activation_code="" cluster="default" region="" binary="" install_docker=0 start=1
ca_fingerprint="" ca_file="" uninstall=0 insecure_http=0

say() { printf '[wharf] %s\n' "$*"; }
fail() {
    printf '[wharf] error: %s\n' "$*" >&2
    exit 1
}

usage() {
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

while (($# > 0)); do
    case "$1" in
        --controller) controller="${2:-}"; shift 2 ;;
        --activation-id) activation_id="${2:-}"; shift 2 ;;
        --activation-code) activation_code="${2:-}"; shift 2 ;;
        --cluster) cluster="${2:-}"; shift 2 ;;
        --region) region="${2:-}"; shift 2 ;;
        --binary) binary="${2:-}"; shift 2 ;;
        --ca-fingerprint) ca_fingerprint="${2:-}"; shift 2 ;;
        --ca-file) ca_file="${2:-}"; shift 2 ;;
        --install-docker) install_docker=1; shift ;;
        --no-start) start=0; shift ;;
        --insecure-http) insecure_http=1; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h | --help) usage 0 ;;
        *) printf '[wharf] error: unknown option %s\n\n' "$1" >&2; usage 64 ;;
    esac
done

need_root() {
    if [[ $root == "" && $EUID -ne 0 ]]; then
        fail "run as root (sudo $0 ...): it installs a system service"
    fi
}

check_platform() {
    command -v systemctl >/dev/null 2>&1 || fail "systemd is required (no systemctl found); run wharf-agent by hand instead"
    case "$(uname -m)" in
        x86_64 | amd64 | aarch64 | arm64) ;;
        *) fail "unsupported architecture $(uname -m); wharf-agent runs on x86_64 and aarch64" ;;
    esac
}

if ((uninstall)); then
    need_root
    check_platform
    if systemctl list-unit-files wharf-agent.service >/dev/null 2>&1; then
        systemctl disable --now wharf-agent.service >/dev/null 2>&1 || true
    fi
    rm -f "$unit_path" "$bin_path" "$env_path" "$env_dir/controller-ca.pem"
    rmdir "$env_dir" 2>/dev/null || true
    systemctl daemon-reload || true
    say "uninstalled wharf-agent; its state stays in /var/lib/wharf-agent and its containers keep running"
    exit 0
fi

[[ -n $controller ]] || fail "--controller URL is required (the controller's http(s) URL, such as http://controller.lan:8080)"
IFS=',' read -r -a controllers <<<"$controller"
((${#controllers[@]} > 0)) || fail "--controller \"$controller\" names no URL"
for url in "${controllers[@]}"; do
    [[ $url =~ ^https?://[^/]+ ]] || fail "--controller \"$url\" is not an http(s) URL"
    if [[ $url == http://* ]] && ((insecure_http == 0)); then
        host="${url#http://}"
        host="${host%%/*}"
        if [[ $host == \[* ]]; then host="${host%%]*}]"; else host="${host%%:*}"; fi
        [[ $host == localhost || $host == "[::1]" || $host =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
            fail "--controller \"$url\" is plain HTTP beyond loopback: the node's credential would cross the network in clear; give the controller's https:// URL with --ca-fingerprint, or accept the risk with --insecure-http"
    fi
done
[[ -n $activation_id && -n $activation_code ]] ||
    fail "--activation-id and --activation-code are required: create them on the controller with aws ssm create-activation"
[[ $activation_id =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] ||
    fail "--activation-id \"$activation_id\" is not an activation ID (a UUID)"
if [[ -n $ca_fingerprint || -n $ca_file ]]; then
    for url in "${controllers[@]}"; do
        [[ $url == https://* ]] ||
            fail "--ca-fingerprint and --ca-file verify an https:// controller; \"$url\" is not one"
    done
    [[ -z $ca_fingerprint || -z $ca_file ]] || fail "give --ca-fingerprint or --ca-file, not both"
fi
if [[ -n $ca_fingerprint ]]; then
    pin="${ca_fingerprint//:/}"
    pin="${pin,,}"
    [[ $pin =~ ^[0-9a-f]{64}$ ]] ||
        fail "--ca-fingerprint \"$ca_fingerprint\" is not a SHA-256 fingerprint (64 hex digits; wharf-controller prints it)"
fi
if [[ -n $ca_file ]]; then
    [[ -r $ca_file ]] || fail "--ca-file \"$ca_file\" cannot be read; copy the controller's tls/ca.pem here first"
    grep -q "BEGIN CERTIFICATE" "$ca_file" || fail "--ca-file \"$ca_file\" holds no PEM certificate"
fi
need_root
check_platform

if ! command -v docker >/dev/null 2>&1 && [[ ! -S $root/var/run/docker.sock ]]; then
    if ((install_docker)); then
        say "installing Docker from the distribution"
        if command -v apt-get >/dev/null 2>&1; then
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io
        elif command -v dnf >/dev/null 2>&1; then
            dnf install -y -q moby-engine || dnf install -y -q docker
        else
            fail "no apt-get or dnf to install Docker with; install Docker, then run this again"
        fi
        systemctl enable --now docker.service
    else
        fail "Docker is not installed; install it, or run this again with --install-docker"
    fi
fi

if [[ -z $binary ]]; then
    for candidate in "$here/wharf-agent" "$(command -v wharf-agent 2>/dev/null || true)"; do
        if [[ -n $candidate && -x $candidate && $candidate != "$bin_path" ]]; then
            binary="$candidate"
            break
        fi
    done
fi
[[ -n $binary ]] || fail "no wharf-agent binary: give its path with --binary PATH (build it with swift build -c release --product wharf-agent)"
[[ -x $binary ]] || fail "--binary \"$binary\" is not an executable file"

unit_source="$here/wharf-agent.service"
[[ -f $unit_source ]] || fail "wharf-agent.service is not next to this script ($here)"

say "installing $bin_path"
install -d -m 0755 "$(dirname "$bin_path")" "$(dirname "$unit_path")"
install -m 0755 "$binary" "$bin_path.new"
mv -f "$bin_path.new" "$bin_path"

say "writing $env_path (mode 0600)"
install -d -m 0700 "$env_dir"
ca_path="$env_dir/controller-ca.pem"
if [[ -n $ca_file ]]; then
    install -m 0644 "$ca_file" "$ca_path"
fi
umask 077
{
    printf '# Written by install-agent.sh. The activation is used once; the agent then keeps its identity.\n'
    printf 'WHARF_CONTROLLER=%s\n' "$controller"
    printf 'WHARF_CLUSTER=%s\n' "$cluster"
    if [[ -n $region ]]; then printf 'WHARF_REGION=%s\n' "$region"; fi
    printf 'WHARF_ACTIVATION_ID=%s\n' "$activation_id"
    printf 'WHARF_ACTIVATION_CODE=%s\n' "$activation_code"
    if [[ -n $ca_fingerprint ]]; then printf 'WHARF_CA_FINGERPRINT=%s\n' "$pin"; fi
    if [[ -n $ca_file ]]; then printf 'WHARF_CA_FILE=%s\n' "$ca_path"; fi
    if ((insecure_http)); then printf 'WHARF_INSECURE_HTTP=true\n'; fi
} >"$env_path.new"
chmod 0600 "$env_path.new"
mv -f "$env_path.new" "$env_path"

say "installing $unit_path"
install -m 0644 "$unit_source" "$unit_path"
systemctl daemon-reload
systemctl enable wharf-agent.service >/dev/null

if ((start == 0)); then
    say "installed; start it with: systemctl start wharf-agent"
    exit 0
fi

say "starting wharf-agent"
systemctl restart wharf-agent.service

# Wait until the agent's introspection endpoint reports the container instance it registered as.
deadline=$((SECONDS + timeout))
while ((SECONDS < deadline)); do
    metadata="$(curl -sf --max-time 2 http://127.0.0.1:51678/v1/metadata 2>/dev/null || true)"
    if [[ $metadata =~ \"ContainerInstanceArn\":\"([^\"]+)\" ]]; then
        arn="${BASH_REMATCH[1]//\\\//\/}"  # JSON may escape "/" as "\/"
        say "joined cluster $cluster as $arn"
        exit 0
    fi
    if ! systemctl is-active --quiet wharf-agent.service; then
        journalctl -u wharf-agent.service -n 20 --no-pager 2>/dev/null || true
        fail "wharf-agent stopped before it registered (exit 5 means the controller refused the activation); see journalctl -u wharf-agent"
    fi
    sleep 1
done
fail "wharf-agent did not register within ${timeout}s; see journalctl -u wharf-agent"
