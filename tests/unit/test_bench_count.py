"""tools/bench/callback_plugins/bench_count.py and bench.count() count what a run did, exactly.

A real ansible-playbook run on localhost (connection local, so every module call counts as a
controller call) with a known shape: a stat (one module call), a copy that writes and one that
finds the file as it is (stat + copy, then stat + file), a debug (no module call), a skipped
task. The counts must be these numbers; tasks that call no module must count no call.
"""

import importlib.util
import os
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC = importlib.util.spec_from_file_location("bench_main", os.path.join(REPO, "tools", "bench", "bench.py"))
bench = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench)

PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: One stat
      ansible.builtin.stat:
        path: /etc/hostname
    - name: Write the file
      ansible.builtin.copy:
        content: "x\\n"
        dest: "{{ out }}"
        mode: "0644"
    - name: Write the same file again
      ansible.builtin.copy:
        content: "x\\n"
        dest: "{{ out }}"
        mode: "0644"
    - name: No module
      ansible.builtin.debug:
        msg: hi
    - name: Skipped
      ansible.builtin.command: "true"
      when: false
"""

PLAY_NO_MODULE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: No module
      ansible.builtin.debug:
        msg: hi
    - name: Skipped
      ansible.builtin.command: "true"
      when: false
"""


def run_play(tmp_path, play=PLAY):
    play_path = tmp_path / "play.yml"
    play_path.write_text(play)
    log = tmp_path / "count.jsonl"
    env = dict(os.environ, ANSIBLE_CALLBACK_PLUGINS=os.path.join(REPO, "tools", "bench", "callback_plugins"),
               ANSIBLE_CALLBACKS_ENABLED="bench_count")
    env["BENCH_COUNT_LOG"] = str(log)
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run([ansible_playbook, "-i", "localhost,", "-c", "local", str(play_path), "-e", "out=%s" % (tmp_path / "out.txt"),
                           "-e", "ansible_python_interpreter=%s" % sys.executable],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout
    return bench.count(str(log), ["localhost"])


def test_counts_headers_results_and_module_calls(tmp_path):
    headers, per_host = run_play(tmp_path)
    host = per_host["localhost"]
    assert headers == 5
    assert (host["tasks"], host["skipped"], host["changed"], host["failed"]) == (5, 1, 1, 0)
    # stat 1; copy that writes: stat + copy; copy that finds the file: stat + file.
    assert host["module_calls_controller"] == 5
    assert host["module_calls_remote"] == 0
    assert host["tasks_module_on_host"] == 0
    # Over a local connection every result that was not skipped ran on the controller.
    assert host["tasks_controller_only"] == 4
    assert host["round_trips"] == 0


def test_tasks_without_a_module_call_count_none(tmp_path):
    # The twin: results are counted, but a debug and a skipped task call no module.
    headers, per_host = run_play(tmp_path, play=PLAY_NO_MODULE)
    host = per_host["localhost"]
    assert (headers, host["tasks"], host["skipped"]) == (2, 2, 1)
    assert (host["module_calls_controller"], host["module_calls_remote"], host["round_trips"]) == (0, 0, 0)
