#!/bin/bash
# Capture the inputs exposure_info reads, from a live host (run as root on the host,
# or: docker exec NAME bash -s < capture.sh > sample.tar). Writes a tar of one directory
# to stdout. The commands are exactly the ones the module runs.
set -u
out=$(mktemp -d)
svc_props="LoadState ActiveState SubState Result MainPID FragmentPath DropInPaths ExecStart NRestarts InvocationID ExecMainStartTimestamp Environment EnvironmentFiles"
sock_props="LoadState ActiveState SubState Result FragmentPath DropInPaths Listen SocketMode SocketUser SocketGroup"
args=(); for p in $svc_props; do args+=("--property=$p"); done
systemctl show docker.service --no-pager "${args[@]}" > "$out/systemctl_show_docker.service.txt"
args=(); for p in $sock_props; do args+=("--property=$p"); done
systemctl show docker.socket --no-pager "${args[@]}" > "$out/systemctl_show_docker.socket.txt"
cp /proc/net/tcp "$out/proc_net_tcp"
cp /proc/net/tcp6 "$out/proc_net_tcp6"
cp /proc/net/unix "$out/proc_net_unix"
frag=$(systemctl show docker.service -p FragmentPath --value)
[ -n "$frag" ] && cp "$frag" "$out/docker.service"
frag=$(systemctl show docker.socket -p FragmentPath --value)
[ -n "$frag" ] && cp "$frag" "$out/docker.socket"
for d in /etc/systemd/system/docker.service.d /etc/systemd/system/docker.socket.d; do
  [ -d "$d" ] && for f in "$d"/*.conf; do cp "$f" "$out/dropin_$(basename "$d")_$(basename "$f")"; done
done
[ -e /etc/default/docker ] && cp /etc/default/docker "$out/etc_default_docker"
[ -e /etc/docker/daemon.json ] && cp /etc/docker/daemon.json "$out/daemon.json"
dockerd --version > "$out/dockerd_version.txt" 2>&1
# Socket ownership and the processes that hold listening sockets, as the module sees them.
python3 - > "$out/host_state.json" <<'PY'
import grp, json, os, pwd, stat
state = {"stat": {}, "procs": {}}
for path in ("/run/docker.sock", "/var/run/docker.sock"):
    try:
        st = os.stat(path)
    except OSError:
        continue
    state["stat"][path] = {"mode": "%04o" % stat.S_IMODE(st.st_mode), "is_socket": stat.S_ISSOCK(st.st_mode),
                           "owner": pwd.getpwuid(st.st_uid).pw_name, "group": grp.getgrgid(st.st_gid).gr_name}
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        comm = open("/proc/%s/comm" % pid).read().strip()
        if pid != "1" and comm != "dockerd":
            continue
        inodes = sorted(int(os.readlink("/proc/%s/fd/%s" % (pid, fd))[8:-1])
                        for fd in os.listdir("/proc/%s/fd" % pid)
                        if os.readlink("/proc/%s/fd/%s" % (pid, fd)).startswith("socket:["))
    except OSError:
        continue
    state["procs"][pid] = {"comm": comm, "socket_inodes": inodes}
print(json.dumps(state, indent=1, sort_keys=True))
PY
tar -C "$out" -cf - .
rm -rf "$out"
