"""bot/scaled.py without starting the assistant: the HAProxy configuration it writes (checked by HAProxy
itself), the settings it refuses, and the deployment description in deploy/ kept in sync with it."""
import re
import shutil
import subprocess

import pytest
import yaml

from bot.scaled import SERVICES, check_settings, haproxy_config
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import skip_or_fail

DEPLOY = PROJECT_ROOT / "deploy"


def sections(config: str):
    """(kind, name) of every frontend/backend, and the health check of each backend."""
    names = re.findall(r"^(frontend|backend) (\w+)", config, re.M)
    checks = re.findall(r"^backend (\w+)\n(?:    .*\n)*?    option httpchk (.+)$", config, re.M)
    return names, dict(checks)


def test_compose_file_names_the_services_and_variables_of_the_local_mode():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert set(compose["services"]) == set(SERVICES)
    for service, variables in SERVICES.items():
        environment = compose["services"][service].get("environment") or {}
        assert set(variables) <= set(environment), (service, set(variables) - set(environment))
    # Rasa reaches the action servers, and they reach Rasa, through the load balancer, as locally.
    assert compose["services"]["rasa"]["environment"]["ACTION_ENDPOINT_URL"].startswith("http://loadbalancer:")
    assert compose["services"]["actions"]["environment"]["RASA_URL"].startswith("http://loadbalancer:")


def test_deployed_haproxy_has_the_fronts_and_checks_of_the_local_one():
    local = haproxy_config(Settings.from_env({}), [6001, 6002], [6101])
    assert sections((DEPLOY / "haproxy.cfg").read_text()) == sections(local)
    assert sections(local)[1] == {"rasa": "GET /", "actions": "GET /health"}


def test_generated_config_is_valid_for_haproxy(tmp_path):
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not shutil.which(haproxy):
        skip_or_fail("HAProxy is not installed (apt-get install haproxy; .ci/run installs it)")
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(Settings.from_env({"RASA_PORT": "6000", "ACTION_PORT": "6100"}),
                                     [6001, 6002], [6101, 6102]))
    result = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_scaled_mode_needs_the_shared_stores():
    with pytest.raises(ValueError, match="REDIS_URL"):
        check_settings(Settings.from_env({}), 2, 1)
    with pytest.raises(ValueError, match="PostgreSQL"):
        check_settings(Settings.from_env({"REDIS_URL": "redis://127.0.0.1/0"}), 2, 2)
    check_settings(Settings.from_env({"REDIS_URL": "redis://127.0.0.1/0",
                                      "DATABASE_URL": "postgresql://postgres@127.0.0.1/x"}), 2, 2)
