"""preflight: the flag/daemon.json clash rule is dockerd's own. dockerd merges daemon.json's
runtimes with --add-runtime, so that pair is not refused: the run restarts dockerd and the
daemon offers both runtimes. It refuses default-address-pools next to
--default-address-pool, so that pair is refused before the restart.

The flag goes into the packaged docker.service, as a package or an operator's edit would
put it; the role keeps every packaged option in its drop-in."""

import contextlib
import json
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import exec_start, run_expose  # noqa: E402

DAEMON_JSON = "/etc/docker/daemon.json"
POOL_FLAG = "--default-address-pool=base=10.123.0.0/16,size=24"


def _docker_major(host):
    return int(host.check_output("docker version --format '{{.Server.Version}}'").split(".")[0])


@contextlib.contextmanager
def _packaged_flag(host, flag, key, value):
    """docker.service's packaged ExecStart with one more flag, daemon.json with one more key;
    both put back afterwards with their modification times."""
    unit = host.check_output("systemctl show docker.service --property=FragmentPath --value")
    content = json.loads(host.file(DAEMON_JSON).content_string or "{}")
    content[key] = value
    for path in (unit, DAEMON_JSON):
        host.run_expect([0], "cp -p %s %s.dx-flag" % (path, path))
    try:
        host.run_expect([0], "sed -i -E %s %s" % (shlex.quote(r"s|^(ExecStart=/.*)$|\1 %s|" % flag), unit))
        host.run_expect([0], "printf '%%s\\n' %s > %s" % (shlex.quote(json.dumps(content, indent=2)), DAEMON_JSON))
        host.run_expect([0], "systemctl daemon-reload")
        yield
    finally:
        for path in (unit, DAEMON_JSON):
            host.run("mv %s.dx-flag %s" % (path, path))
        host.run("systemctl daemon-reload")


def test_default_address_pools_next_to_its_flag_is_refused_before_the_restart(host):
    before = exec_start(host)
    pid = host.check_output("systemctl show docker.service --property=MainPID --value")
    with _packaged_flag(host, POOL_FLAG, "default-address-pools", [{"base": "10.124.0.0/16", "size": 24}]):
        result = run_expose(host.backend.get_hostname(), {})
    output = " ".join(result.stdout.split())
    assert result.returncode != 0, output[-3000:]
    static = ('/etc/docker/daemon.json sets "default-address-pools", which the new docker.service ExecStart (%s %s) '
              'also sets as a flag; dockerd would stop with "the following directives are specified both as a flag '
              'and in the configuration file: default-address-pools". Remove "default-address-pools" from '
              'daemon.json.' % (before, POOL_FLAG))
    if _docker_major(host) >= 23:
        assert ("2 problem(s): %s dockerd --validate refused the configuration: unable to configure the Docker "
                "daemon with file /etc/docker/daemon.json: the following directives are specified both as a flag "
                "and in the configuration file: default-address-pools: (from flag: 10.123.0.0/16 24, from file: "
                "[map[base:10.124.0.0/16 size:24]])" % static) in output, output[-3000:]
    else:
        assert "1 problem(s): %s The previous drop-ins" % static in output, output[-3000:]
    assert "dockerd was not restarted on %s" % host.backend.get_hostname() in output, output[-3000:]
    assert host.check_output("systemctl show docker.service --property=MainPID --value") == pid
    assert exec_start(host) == before


def test_runtimes_next_to_add_runtime_is_not_a_clash(host):
    """The twin: the same shape with runtimes, which dockerd accepts; the run restarts dockerd
    and the docker CLI lists the runtime from the flag and the one from daemon.json."""
    name = host.backend.get_hostname()
    before = exec_start(host)
    try:
        with _packaged_flag(host, "--add-runtime=dx-flag=runc", "runtimes", {"dx-file": {"path": "runc"}}):
            result = run_expose(name, {})
            assert result.returncode == 0, result.stdout[-3000:]
            assert exec_start(host) == before + " --add-runtime=dx-flag=runc"
            runtimes = json.loads(host.check_output("docker info --format '{{json .Runtimes}}'"))
            assert {"dx-flag", "dx-file"} <= set(runtimes), runtimes
    finally:
        back = run_expose(name, {})
    assert back.returncode == 0, back.stdout[-3000:]
    assert exec_start(host) == before
    runtimes = json.loads(host.check_output("docker info --format '{{json .Runtimes}}'"))
    assert not {"dx-flag", "dx-file"} & set(runtimes), runtimes
