"""The production docker-compose.yml, checked by parsing it against the repository's real files.

No Docker engine runs where these tests run, so nothing is started: the file is read with PyYAML
(which resolves the `x-airflow-common` anchors and `<<` merges like compose does), and
`docker compose config` validates it only where the compose plugin is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / "docker" / ".env.example"

COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-worker": "celery worker",
    "airflow-triggerer": "triggerer",
}
AIRFLOW_SERVICES = [*COMMANDS, "airflow-init"]
REQUIRED_SERVICES = {"postgres", "redis", *AIRFLOW_SERVICES}

# Project folders mounted read-only into every Airflow container, and where they go.
PROJECT_MOUNTS = {
    "dags": "/opt/airflow/dags",
    "pipeline": "/opt/airflow/project/pipeline",
    "expectations": "/opt/airflow/project/expectations",
    "sql": "/opt/airflow/project/sql",
    "trials": "/opt/airflow/project/trials",
    "sources": "/opt/airflow/project/sources",
}
# Tracked in git with content: these must exist in every checkout. dags/, expectations/ and sql/
# may still be empty (git keeps no empty folder), so they are checked only where present.
MUST_EXIST = {"pipeline", "trials", "sources"}

# Secrets every Airflow service gets, each required from the environment (`${VAR:?message}`).
REQUIRED_SECRETS = {
    "AIRFLOW__API_AUTH__JWT_SECRET": "AIRFLOW_JWT_SECRET",
    "AIRFLOW__CORE__FERNET_KEY": "AIRFLOW_FERNET_KEY",
    "SCREENING_PSEUDONYM_KEY": "SCREENING_PSEUDONYM_KEY",
}
SECRET_NAME = re.compile(r"SECRET|PASSWORD|FERNET|_KEY$|^AIRFLOW_CONN_")
# `$${X}` is an escaped `$`, left for the container's shell: not an interpolation.
INTERPOLATION = re.compile(r"(?<!\$)\$\{(?P<name>\w+)(?::?[-?][^}]*)?\}")
URL_PASSWORD = re.compile(r"://[^:/@]*:(?P<password>[^@]*)@")


def required_variable(name: str) -> re.Pattern[str]:
    """`${NAME:?message}`: compose refuses to run when NAME is unset or empty."""
    return re.compile(r"\$\{" + re.escape(name) + r":\?[^}]+\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict) -> dict[str, dict]:
    return compose["services"]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def volume_mounts(service: dict) -> list[tuple[str, str, str]]:
    """(source, target, mode) of each short-syntax volume entry."""
    mounts = []
    for entry in service.get("volumes", []):
        assert isinstance(entry, str), f"use short volume syntax: {entry!r}"
        source, target, *rest = entry.split(":")
        mounts.append((source, target, rest[0] if rest else "rw"))
    return mounts


def dockerfile_path(compose: dict) -> Path:
    build = compose["x-airflow-common"]["build"]
    return REPO / build["context"] / build["dockerfile"]


def test_required_services_exist(services):
    missing = REQUIRED_SERVICES - set(services)
    assert not missing, f"docker-compose.yml lacks services: {sorted(missing)}"


def test_optional_services_are_behind_profiles(services):
    assert services["flower"]["profiles"] == ["flower"]
    assert services["flower"]["command"] == "celery flower"
    for name in REQUIRED_SERVICES:
        assert "profiles" not in services[name], f"{name} must start with a plain `up`"


@pytest.mark.parametrize(("name", "command"), sorted(COMMANDS.items()))
def test_airflow_service_command(services, name, command):
    service = services[name]
    assert service["command"] == command
    assert service["image"] == services["airflow-init"]["image"], "one image for all of Airflow"
    assert "build" in service


def test_init_migrates_the_database_and_prepares_the_data_folders(services):
    init = services["airflow-init"]
    env = environment(init)
    script = "\n".join(init["command"])
    assert init["entrypoint"] == "/bin/bash"
    assert init["user"] == "0:0", "init must run as root to chown the volumes"
    assert env["_AIRFLOW_DB_MIGRATE"] == "true"
    assert "/entrypoint airflow version" in script, "the image entrypoint runs the migration"
    for folder in ("/opt/airflow/logs", "/data/landing", "/data/reports"):
        assert folder in script.split("mkdir", 1)[1].splitlines()[0], f"init must create {folder}"
    assert re.search(r"chown -R \S+ /opt/airflow/logs /data/landing /data/reports", script)
    assert "chmod 0700 /data/reports" in script
    for name in COMMANDS:
        condition = services[name]["depends_on"]["airflow-init"]["condition"]
        assert condition == "service_completed_successfully", name


def test_celery_executor_with_redis_broker_and_postgres_backends(services):
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"].startswith("redis:")
    for name in AIRFLOW_SERVICES:
        env = environment(services[name])
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://"), name
        assert "@redis:6379/" in env["AIRFLOW__CELERY__BROKER_URL"], name
        sql_conn = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert sql_conn.startswith("postgresql+psycopg2://"), name
        assert sql_conn.endswith("@postgres/airflow"), name
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://"), name
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].endswith("@postgres/airflow"), name
        assert (
            env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
            == "http://airflow-apiserver:8080/execution/"
        ), name
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false", name
        assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "true", name
        assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Europe/Paris", name


def test_database_password_is_required_from_the_environment(services):
    password = required_variable("AIRFLOW_DB_PASSWORD")
    assert password.fullmatch(environment(services["postgres"])["POSTGRES_PASSWORD"])
    env = environment(services["airflow-scheduler"])
    for key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__RESULT_BACKEND"):
        assert password.fullmatch(URL_PASSWORD.search(env[key])["password"]), key


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_secrets_are_required_from_the_environment(services, name):
    env = environment(services[name])
    for key, variable in REQUIRED_SECRETS.items():
        assert required_variable(variable).fullmatch(env[key]), (
            f"{name}: {key} must be ${{{variable}:?...}}, not {env.get(key)!r}"
        )
    optional = env["AIRFLOW_CONN_HOSPITAL_WAREHOUSE"]
    assert optional == "${AIRFLOW_CONN_HOSPITAL_WAREHOUSE:-}", "the warehouse stays optional"


@pytest.mark.parametrize("name", sorted(REQUIRED_SERVICES | {"flower", "airflow-cli"}))
def test_no_hard_coded_secret(services, name):
    """A secret-looking variable is an interpolation; a URL password is empty or interpolated."""
    for key, value in environment(services[name]).items():
        if SECRET_NAME.search(key) and key != "_AIRFLOW_WWW_USER_USERNAME":
            assert INTERPOLATION.fullmatch(value), f"{name}: {key} is hard-coded: {value!r}"
        match = URL_PASSWORD.search(value)
        if match and match["password"]:
            assert INTERPOLATION.fullmatch(match["password"]), f"{name}: password in {key}"


def test_env_example_lists_every_variable_compose_reads(compose):
    used = {m["name"] for m in INTERPOLATION.finditer(COMPOSE_FILE.read_text(encoding="utf-8"))}
    listed = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    # Overrides with a safe default that a site normally leaves alone.
    assert used - listed <= {"SCREENING_IMAGE"}, f"missing from .env.example: {used - listed}"
    assert listed <= used, f".env.example sets variables compose never reads: {listed - used}"
    example_values = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    for variable in REQUIRED_SECRETS.values():
        assert example_values[variable] == "", f"{variable} must be blank in the example"


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_project_folders_are_mounted_read_only(services, name):
    mounts = {
        source.removeprefix("./"): (target, mode)
        for source, target, mode in volume_mounts(services[name])
        if source.startswith("./")
    }
    assert set(mounts) == set(PROJECT_MOUNTS), f"{name} mounts {sorted(mounts)}"
    for folder, (target, mode) in mounts.items():
        assert target == PROJECT_MOUNTS[folder], f"{name}: ./{folder} -> {target}"
        assert mode == "ro", f"{name}: ./{folder} must be read-only"
    assert environment(services[name])["PYTHONPATH"] == "/opt/airflow/project"


@pytest.mark.parametrize("folder", sorted(PROJECT_MOUNTS))
def test_mounted_folder_exists_in_the_repository(folder):
    path = REPO / folder
    if folder not in MUST_EXIST and not path.exists():
        pytest.skip(f"./{folder} is not in this checkout yet (empty folders are not in git)")
    assert path.is_dir(), f"docker-compose.yml mounts ./{folder}, which is not a folder"


def test_project_layout_matches_what_the_pipeline_resolves():
    """pipeline/ finds trials/ and sources/ as its siblings; the mounts keep them siblings."""
    pipeline_parent = Path(PROJECT_MOUNTS["pipeline"]).parent
    for folder in ("trials", "sources"):
        assert Path(PROJECT_MOUNTS[folder]).parent == pipeline_parent
    assert str(pipeline_parent) == "/opt/airflow/project"
    assert any((REPO / "trials").glob("*.yaml")), "no trial definition to mount"
    assert any((REPO / "sources").glob("*.yaml")), "no source config to mount"


def test_data_volumes_are_declared_and_mounted_where_the_environment_says(compose, services):
    declared = set(compose["volumes"])
    assert {"landing", "reports", "logs", "postgres-db-volume"} <= declared
    for name in AIRFLOW_SERVICES:
        env = environment(services[name])
        mounts = {source: target for source, target, _ in volume_mounts(services[name])}
        assert mounts["landing"] == env["SCREENING_LANDING_DIR"] == "/data/landing", name
        assert mounts["reports"] == env["SCREENING_REPORTS_DIR"] == "/data/reports", name
        assert mounts["logs"] == "/opt/airflow/logs", name
    postgres = {source: target for source, target, _ in volume_mounts(services["postgres"])}
    assert postgres["postgres-db-volume"] == "/var/lib/postgresql/data"
    for name, service in services.items():
        for source, _, _ in volume_mounts(service):
            if not source.startswith(("./", "/", "~")):
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_depends_on_refers_to_defined_services(services):
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        targets = depends_on if isinstance(depends_on, list) else list(depends_on)
        for target in targets:
            assert target in services, f"{name} depends on undefined service {target}"
            assert target != name, f"{name} depends on itself"


def test_healthchecks(services):
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]
    apiserver = services["airflow-apiserver"]
    assert "http://localhost:8080/api/v2/version" in apiserver["healthcheck"]["test"]
    assert "8080:8080" in apiserver["ports"]
    for name in ("airflow-scheduler", "airflow-dag-processor", "airflow-worker"):
        assert services[name]["healthcheck"]["test"], name
    for name in AIRFLOW_SERVICES:
        for dependency in ("postgres", "redis"):
            condition = services[name]["depends_on"][dependency]["condition"]
            assert condition == "service_healthy", f"{name} -> {dependency}"


def test_dockerfile_builds_on_the_locked_airflow_version(compose):
    dockerfile = dockerfile_path(compose)
    assert dockerfile.is_file(), f"build points at missing {dockerfile}"
    text = dockerfile.read_text(encoding="utf-8")
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, flags=re.MULTILINE))
    stages = [
        re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], image)
        for image in re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
    ]
    runtime = stages[-1]
    match = re.fullmatch(r"apache/airflow:(3\.3\.\d+)-python3\.11", runtime)
    assert match, f"the runtime stage must be FROM apache/airflow:3.3.x, not {runtime}"
    lock = tomllib.loads((REPO / "uv.lock").read_text(encoding="utf-8"))
    locked = {p["name"]: p["version"] for p in lock["package"]}
    assert match[1] == locked["apache-airflow"], "base image and uv.lock disagree on Airflow"
    assert "uv export --project /tmp/project --frozen --no-dev" in text
    assert "--require-hashes" in text
    assert re.search(r"^USER airflow$", text, flags=re.MULTILINE)
    assert text.rstrip().splitlines()[-1] == "CMD []"


def test_build_context_sends_what_the_dockerfile_copies(compose):
    """Each COPY source from the build context exists and is not excluded by the ignore file."""
    dockerfile = dockerfile_path(compose)
    ignore = dockerfile.with_name(dockerfile.name + ".dockerignore").read_text(encoding="utf-8")
    allowed = {line[1:] for line in ignore.splitlines() if line.startswith("!")}
    assert "*" in ignore.splitlines(), "the ignore file must exclude everything by default"
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            *sources, _ = [word for word in line.split()[1:] if not word.startswith("--")]
            for source in sources:
                assert (REPO / source).is_file(), f"COPY {source}: no such file"
                assert source in allowed, f"COPY {source}: excluded from the build context"
    for excluded in (".env", ".venv", "var"):
        assert f"!{excluded}" not in ignore


def test_entrypoint_sets_umask_077_then_runs_the_official_one():
    script = REPO / "docker" / "screening-entrypoint.sh"
    lines = [line.strip() for line in script.read_text(encoding="utf-8").splitlines()]
    assert os.access(script, os.X_OK), "entrypoint must be executable"
    assert lines.index("umask 0077") < lines.index('exec /entrypoint "$@"')


def test_docker_compose_config_accepts_the_file(tmp_path):
    """`docker compose config` validates the file client-side; it needs no engine."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client on this machine")
    probe = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip(
            "the docker client has no compose plugin (`docker compose version` fails), "
            "so `docker compose config` cannot validate the file here"
        )
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW", "SCREENING", "_AIRFLOW"))
    }
    dummies = {
        "AIRFLOW_UID": "50000",
        "AIRFLOW_DB_PASSWORD": "dummydbpassword",
        "AIRFLOW_FERNET_KEY": "dummy-fernet-key",
        "AIRFLOW_JWT_SECRET": "dummy-jwt-secret",
        "AIRFLOW_ADMIN_PASSWORD": "dummy-admin-password",
        "SCREENING_PSEUDONYM_KEY": "dummy-pseudonym-key-0123456789",
    }
    command = [docker, "compose", "--env-file", str(empty_env_file), "-f", str(COMPOSE_FILE)]
    command += ["config", "-q"]
    valid = subprocess.run(
        command, cwd=REPO, env=env | dummies, capture_output=True, text=True, check=False
    )
    assert valid.returncode == 0, valid.stderr
    without_key = {k: v for k, v in dummies.items() if k != "SCREENING_PSEUDONYM_KEY"}
    refused = subprocess.run(
        command, cwd=REPO, env=env | without_key, capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0, "compose must refuse to run without the pseudonym key"
    assert "SCREENING_PSEUDONYM_KEY" in refused.stderr
