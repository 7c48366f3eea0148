import pytest

from ansible_collections.dockerd.exposure.plugins.module_utils._daemon_json import (
    DaemonJsonError,
    changed_keys,
    merge,
    parse,
    render,
)


def test_parse_empty_file_is_empty_config():
    assert parse("") == {}
    assert parse("  \n") == {}


def test_parse_keeps_operator_keys():
    assert parse('{"storage-driver": "vfs"}') == {"storage-driver": "vfs"}


def test_parse_rejects_invalid_json_naming_the_file():
    with pytest.raises(DaemonJsonError, match=r"/etc/docker/daemon.json is not valid JSON"):
        parse("{not json")


def test_parse_rejects_non_object():
    with pytest.raises(DaemonJsonError, match="holds a JSON list, not an object"):
        parse("[1, 2]")


def test_merge_sets_and_removes_without_touching_others():
    before = {"storage-driver": "vfs", "hosts": ["tcp://0.0.0.0:2375"]}
    after = merge(before, {"live-restore": True}, ["hosts"])
    assert after == {"storage-driver": "vfs", "live-restore": True}
    assert before == {"storage-driver": "vfs", "hosts": ["tcp://0.0.0.0:2375"]}


def test_changed_keys_reports_added_changed_and_removed():
    assert changed_keys({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == ["b", "c"]
    assert changed_keys({"a": 1}, {}) == ["a"]
    assert changed_keys({"a": None}, {}) == ["a"]
    assert changed_keys({"a": 1}, {"a": 1}) == []


def test_render_is_stable_and_sorted():
    assert render({"b": 1, "a": True}) == '{\n  "a": true,\n  "b": 1\n}\n'
    assert render(parse(render({"x": [1]}))) == render({"x": [1]})
