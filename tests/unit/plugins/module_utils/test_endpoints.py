"""Unit tests for _endpoints: how each endpoint is listened on, dialled and checked."""

from __future__ import annotations

import pytest

from ansible_collections.dockerd.exposure.plugins.module_utils._endpoints import (
    bracket, endpoint_plan, local_address, present_ssh_accounts, ssh_url)
from ansible_collections.dockerd.exposure.plugins.filter.endpoints import FilterModule


@pytest.mark.parametrize('address, expected', [
    ('10.0.0.5', '10.0.0.5'), ('::1', '[::1]'), ('[::1]', '[::1]'), ('host1', 'host1'),
    ('2001:db8::1', '[2001:db8::1]')])
def test_bracket(address, expected):
    assert bracket(address) == expected


@pytest.mark.parametrize('address, expected', [
    ('0.0.0.0', '127.0.0.1'), ('::', '::1'), ('[::]', '::1'), ('10.0.0.5', '10.0.0.5'), ('::1', '::1')])
def test_local_address_dials_wildcards_on_loopback_of_the_same_family(address, expected):
    assert local_address(address) == expected


def test_present_ssh_accounts_and_ssh_url():
    users = [{'name': 'a'}, {'name': 'b', 'state': 'absent'}, {'name': 'c', 'state': 'present'}]
    assert present_ssh_accounts(users) == ['a', 'c']
    assert ssh_url('a', '::1', 22) == 'ssh://a@[::1]'
    assert ssh_url('a', 'h1', 2222) == 'ssh://a@h1:2222'
    assert ssh_url('', 'h1', 22) == 'ssh://h1'


def test_defaults_when_the_play_does_not_see_role_defaults():
    plan = endpoint_plan({}, inventory_hostname='host1')
    assert plan['host'] == 'host1' and plan['modes'] == ['unix']
    ep = plan['endpoints']
    assert ep['unix']['check_url'] == 'unix:///run/docker.sock'
    assert (ep['tcp']['listen'], ep['tcp']['url'], ep['tcp']['check_on'], ep['tcp']['expect']) == (
        '127.0.0.1:2375', None, 'host', 'refused')
    assert (ep['tls']['check_url'], ep['tls']['check_on'], ep['tls']['expect']) == (
        'tcp://127.0.0.1:2376', 'host', 'refused')
    assert [c['row'] for c in plan['checks']] == ['unix', 'tcp (off)', 'tls (off)']


def test_empty_values_fall_back_like_default_true():
    plan = endpoint_plan({'dockerd_endpoint_host': '', 'ansible_host': '10.0.0.5', 'dockerd_expose': []},
                         inventory_hostname='host1')
    assert plan['host'] == '10.0.0.5' and plan['modes'] == ['unix']


def test_public_tcp_and_tls_are_dialled_from_the_controller_ipv6_bracketed():
    plan = endpoint_plan({'dockerd_expose': ['tcp', 'tls'], 'ansible_host': '2001:db8::5',
                          'dockerd_tcp_address': '::', 'dockerd_tls_address': '::',
                          'dockerd_tls_pki_dir': '/pki', 'dockerd_tls_clients': [{'name': 'ops'}]})
    tcp, tls = plan['endpoints']['tcp'], plan['endpoints']['tls']
    assert plan['dial_host'] == '[2001:db8::5]'
    assert (tcp['listen'], tcp['url'], tcp['host_url'], tcp['check_url'], tcp['check_on'], tcp['expect']) == (
        '[::]:2375', 'tcp://[2001:db8::5]:2375', 'tcp://[::1]:2375', 'tcp://[2001:db8::5]:2375',
        'controller', 'reachable')
    assert (tls['listen'], tls['url'], tls['host_url'], tls['check_on']) == (
        '[::]:2376', 'tcp://[2001:db8::5]:2376', 'tcp://[::1]:2376', 'controller')
    check = [c for c in plan['checks'] if c['mode'] == 'tls'][0]
    assert check == {'row': 'tls', 'mode': 'tls', 'on': 'controller', 'args': {
        'name': 'tls', 'docker_host': 'tcp://[2001:db8::5]:2376', 'ca_path': '/pki/clients/ops/ca.pem',
        'client_cert': '/pki/clients/ops/cert.pem', 'client_key': '/pki/clients/ops/key.pem',
        'probes': ['no_client_cert', 'foreign_ca', 'plain_http']}}


def test_filtered_ports_are_checked_on_the_host_through_loopback():
    plan = endpoint_plan({'dockerd_expose': ['tcp', 'tls'], 'ansible_host': '10.0.0.5',
                          'dockerd_tcp_address': '0.0.0.0', 'dockerd_tls_port': 23760},
                         filtered_ports=[2375, 23760])
    checks = dict((c['mode'], c) for c in plan['checks'])
    assert (checks['tcp']['on'], checks['tcp']['args']) == (
        'host', {'name': 'tcp', 'docker_host': 'tcp://127.0.0.1:2375'})
    assert (checks['tls']['on'], checks['tls']['args']) == ('host', {
        'name': 'tls', 'docker_host': 'tcp://127.0.0.1:23760', 'expect': 'unauthorized',
        'ca_path': '/etc/docker/tls/ca.pem', 'probes': ['plain_http']})


def test_loopback_tcp_is_dialled_on_its_own_address():
    tcp = endpoint_plan({'dockerd_expose': ['tcp'], 'dockerd_tcp_address': '127.0.0.2'})['endpoints']['tcp']
    assert tcp['host_dial'] == '127.0.0.2'
    assert (tcp['loopback'], tcp['url'], tcp['check_url'], tcp['check_on']) == (
        True, None, 'tcp://127.0.0.2:2375', 'host')


def test_tcp_off_with_a_public_address_is_dialled_on_the_host():
    tcp = endpoint_plan({'dockerd_tcp_address': '0.0.0.0', 'ansible_host': '10.0.0.5'})['endpoints']['tcp']
    assert (tcp['check_url'], tcp['check_on'], tcp['expect']) == ('tcp://10.0.0.5:2375', 'host', 'refused')


def test_ssh_user_port_and_identity():
    vars_ = {'dockerd_expose': ['ssh'], 'ansible_host': '::1', 'dockerd_ssh_port': 2222,
             'dockerd_ssh_users': [{'name': 'old', 'state': 'absent'}, {'name': 'deploy'}],
             'dockerd_check_ssh_identity_file': '/k'}
    plan = endpoint_plan(vars_)
    assert plan['endpoints']['ssh']['url'] == 'ssh://deploy@[::1]:2222'
    assert plan['checks'][-1] == {'row': 'ssh', 'mode': 'ssh', 'on': 'controller', 'args': {
        'name': 'ssh', 'docker_host': 'ssh://deploy@[::1]:2222', 'ssh_identity_file': '/k'}}
    assert endpoint_plan(vars_, ssh_user='ops')['endpoints']['ssh']['url'] == 'ssh://ops@[::1]:2222'
    assert endpoint_plan(dict(vars_, dockerd_check_ssh_user='x'))['endpoints']['ssh']['user'] == 'x'
    assert endpoint_plan({'dockerd_expose': ['ssh']}, 'h')['endpoints']['ssh']['url'] == 'ssh://root@h'


def test_the_filter_is_the_plan():
    endpoints = FilterModule().filters()['endpoints']
    assert endpoints({'dockerd_expose': ['tls']}, inventory_hostname='h', filtered_ports=[2376]) == \
        endpoint_plan({'dockerd_expose': ['tls']}, inventory_hostname='h', filtered_ports=[2376])


def test_ssh_check_trusts_the_given_host_keys():
    plan = endpoint_plan({'dockerd_expose': ['ssh']}, 'h', ssh_host_keys=['ssh-ed25519 AAAA'])
    assert plan['checks'][-1]['args']['ssh_host_keys'] == ['ssh-ed25519 AAAA']
