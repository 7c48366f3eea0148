# -*- coding: utf-8 -*-
"""`make bench`: count, per host, the task results and the module calls a run made.

Enabled by tools/bench/bench.py only (ANSIBLE_CALLBACK_PLUGINS=tools/bench/callback_plugins,
ANSIBLE_CALLBACKS_ENABLED=bench_count, BENCH_COUNT_LOG=<file>). It appends one JSON line per
event to BENCH_COUNT_LOG; bench.py sums them. Exact rather than sampled:

- in the controller process: every task header (task or handler start) and every final task
  result per host (ok, changed, skipped, failed, unreachable) with the task's id;
- in the worker processes, which Ansible forks from the controller process after this
  module is loaded (ansible.utils.multiprocessing uses the 'fork' context), so the wrappers
  below are inherited: every ActionBase._execute_module call (a module run, on the host or,
  when delegated, on the controller), every _low_level_execute_command (one command over the
  connection: mkdir of the remote tmp dir, chmod, the module itself, rm) and every
  _transfer_file (one file put over the connection), with the host, the task id and the
  connection plugin that carried it. Without pipelining a module call costs a put and
  several commands; with pipelining it is one command.

Lines are short and written with O_APPEND, so writes from parallel workers do not interleave.
Ansible imports every plugin of the callback path, enabled or not, so the wrappers are in place
in any run that has this directory on it; nothing is written unless BENCH_COUNT_LOG is set.
"""
from __future__ import annotations

import json
import os

from ansible.executor.task_executor import TaskExecutor
from ansible.plugins.action import ActionBase
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: bench_count
    type: aggregate
    short_description: count task results and module calls per host for make bench
    description:
      - Appends one JSON line per task header, task result and module call to BENCH_COUNT_LOG.
    requirements:
      - enabled in callbacks_enabled, BENCH_COUNT_LOG set
"""

LOCAL_CONNECTIONS = ('local', 'ansible.builtin.local', 'ansible.legacy.local')

# The host and task the current worker process runs (one task on one host per fork).
_CURRENT = {}


def _write(entry):
    path = os.environ.get('BENCH_COUNT_LOG')
    if not path:
        return
    data = (json.dumps(entry, sort_keys=True) + '\n').encode('utf-8')
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _connection_of(action):
    conn = getattr(action, '_connection', None)
    return getattr(conn, '_load_name', None) or getattr(conn, 'transport', None) or '?'


def _record(kind, action, **extra):
    name = _connection_of(action)
    entry = dict(kind=kind, host=_CURRENT.get('host'), task=_CURRENT.get('task'),
                 connection=name, remote=name not in LOCAL_CONNECTIONS)
    entry.update(extra)
    _write(entry)


_task_executor_run = TaskExecutor.run
_execute_module = ActionBase._execute_module
_low_level_execute_command = ActionBase._low_level_execute_command
_transfer_file = ActionBase._transfer_file


def _run(self, *args, **kwargs):
    _CURRENT.update(host=self._host.name, task=self._task._uuid)
    return _task_executor_run(self, *args, **kwargs)


def _module(self, module_name=None, *args, **kwargs):
    _record('module', self, module=module_name or self._task.action,
            task_name=self._task.get_name())
    return _execute_module(self, module_name, *args, **kwargs)


def _command(self, *args, **kwargs):
    _record('exec', self)
    return _low_level_execute_command(self, *args, **kwargs)


def _put(self, *args, **kwargs):
    _record('put', self)
    return _transfer_file(self, *args, **kwargs)


TaskExecutor.run = _run
ActionBase._execute_module = _module
ActionBase._low_level_execute_command = _command
ActionBase._transfer_file = _put


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_count'
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_task_start(self, task, is_conditional):
        _write(dict(kind='header', task=task._uuid, task_name=task.get_name()))

    def v2_playbook_on_handler_task_start(self, task):
        _write(dict(kind='header', task=task._uuid, task_name=task.get_name(), handler=True))

    def _result(self, result, status):
        _write(dict(kind='result', host=result._host.get_name(), task=result._task._uuid,
                    status=status, changed=bool(result._result.get('changed')),
                    action=result._task.action))

    def v2_runner_on_ok(self, result):
        self._result(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._result(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._result(result, 'unreachable')
