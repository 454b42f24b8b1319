"""The deployment files name only what really exists: every command line of the systemd units
and of docs/deployment.md parses with the real ``campaign`` commands (an option renamed or
invented fails here), the units read the settings the dashboard reads, and the nginx site is
accepted by ``nginx -t`` (when nginx is installed) and sends to the port the web unit listens
on."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from campaign.cli import cli
from campaign.web import config
from campaign.web.security import MAX_BODY

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
NGINX = DEPLOY / "nginx-campaign.conf"
ENV_EXAMPLE = DEPLOY / "campaign.env.example"
DOCS = [ROOT / "docs" / "deployment.md"]
# systemd's specifiers in the units, given sample values
SPECIFIERS = {"%H": "host", "%i": "1", "%%": "%"}
SHELL_BREAKS = {"|", "||", "&&", ";", ">", ">>", "<", "&"}
# `campaign` as a word of a command (a user's or a database's name) is not the tool
COMMANDS = set(cli.list_commands(click.Context(cli)))


def unit(path: Path) -> configparser.ConfigParser:
    """A systemd unit file, read as the INI file it is (keys keep their case)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def resolve(args: list[str]) -> tuple[click.Command, list[str], list[str]]:
    """The ``campaign`` command ``args`` name, its path of names, and the arguments left."""
    command: click.Command = cli
    path: list[str] = []
    rest = list(args)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        found = command.get_command(click.Context(command), rest[0])
        assert found is not None, f"`campaign {' '.join([*path, rest[0]])}` is not a command"
        command, path = found, [*path, rest.pop(0)]
    return command, path, rest


def check_invocation(args: list[str], where: str) -> list[str]:
    """Parse ``campaign ARGS`` with the real command (nothing runs); its command path."""
    command, path, rest = resolve(args)
    assert not isinstance(command, click.Group), f"{where}: `campaign {' '.join(args)}` names a group"
    try:
        command.make_context(" ".join(["campaign", *path]), rest, resilient_parsing=False)
    except click.ClickException as exc:
        pytest.fail(f"{where}: `campaign {' '.join(args)}` is refused: {exc.format_message()}")
    help_text = CliRunner().invoke(cli, [*path, "--help"]).output
    for option in (a.split("=")[0] for a in rest if a.startswith("--")):
        assert option in help_text, f"{where}: `campaign {' '.join(path)} --help` has no {option}"
    return path


def exec_start(path: Path) -> list[str]:
    """A unit's ExecStart command line, systemd's specifiers filled in."""
    line = unit(path)["Service"]["ExecStart"]
    for specifier, value in SPECIFIERS.items():
        line = line.replace(specifier, value)
    return shlex.split(line)


def campaign_lines(text: str) -> list[list[str]]:
    """The arguments of every ``campaign ...`` command in the text's fenced code blocks (also
    inside ``sh -c '...'``), up to a shell operator."""
    found: list[list[str]] = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced or "campaign " not in line:
            continue
        found.extend(_campaign_args(shlex.split(line.lstrip("$# "), comments=False)))
    return found


def _campaign_args(tokens: list[str]) -> list[list[str]]:
    found: list[list[str]] = []
    for i, token in enumerate(tokens):
        if " " in token and "campaign " in token:  # sh -c '...'
            found.extend(_campaign_args(shlex.split(token)))
        elif token.endswith("/bin/campaign") or (token == "campaign" and tokens[i + 1:i + 2]
                                                  and tokens[i + 1] in COMMANDS):
            args = []
            for arg in tokens[i + 1:]:
                if arg in SHELL_BREAKS or arg.endswith(";"):
                    if arg.endswith(";") and arg != ";":
                        args.append(arg[:-1])
                    break
                args.append(arg)
            found.append(args)
            break
    return found


def option(args: list[str], name: str) -> str | None:
    """The value of ``--name VALUE`` (or ``--name=VALUE``) in ``args``."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


# -- the units ------------------------------------------------------------------------------------
def test_there_is_a_web_unit_and_a_runner_unit() -> None:
    commands = {tuple(resolve(exec_start(path)[1:])[1]) for path in UNITS}
    assert {("serve",), ("run",)} <= commands, commands


@pytest.mark.parametrize("path", UNITS, ids=[p.name for p in UNITS])
def test_exec_start_parses_with_the_real_command(path: Path) -> None:
    argv = exec_start(path)
    assert argv[0].endswith("/.venv/bin/campaign"), argv[0]
    check_invocation(argv[1:], path.name)


@pytest.mark.parametrize("path", UNITS, ids=[p.name for p in UNITS])
def test_units_read_the_settings_from_one_private_file(path: Path) -> None:
    service = unit(path)["Service"]
    assert service["EnvironmentFile"] == "/etc/campaign/campaign.env"
    assert service["User"] == "campaign" and "root" not in service["User"]
    assert "--db" not in exec_start(path), "the database URL belongs in the EnvironmentFile"


def test_the_environment_file_names_what_the_dashboard_reads() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    keys = dict(line.split("=", 1) for line in text.splitlines()
                if line and not line.startswith("#"))
    assert set(keys) == {config.ENV_DB, config.ENV_SECRET}
    # the same variable the CLI's --db option reads
    assert "CAMPAIGN_DATABASE_URL" in CliRunner().invoke(cli, ["run", "--help"]).output
    assert keys[config.ENV_DB].startswith("postgresql://")
    assert len(keys[config.ENV_SECRET]) >= config.MIN_SECRET
    assert "0600" in text


def test_the_web_listens_locally_behind_the_proxy_it_trusts() -> None:
    args = exec_start(DEPLOY / "campaign-web.service")
    assert option(args, "--host") == "127.0.0.1"
    assert option(args, "--proxy") == "127.0.0.1"
    assert "--secure" in args
    assert int(option(args, "--workers") or 1) > 1


def test_the_runner_is_not_the_web() -> None:
    runner = exec_start(DEPLOY / "campaign-runner@.service")
    assert "--once" not in runner and "--dry-run" not in runner
    assert option(runner, "--worker") == "host-runner-1"  # each instance named apart


# -- nginx ----------------------------------------------------------------------------------------
def test_nginx_sends_to_the_web_units_port_with_the_client_and_the_scheme() -> None:
    site = NGINX.read_text(encoding="utf-8")
    port = option(exec_start(DEPLOY / "campaign-web.service"), "--port")
    assert re.search(rf"server 127\.0\.0\.1:{port};", site)
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    size = re.search(r"client_max_body_size (\d+)k;", site)
    assert size and int(size.group(1)) * 1024 >= MAX_BODY
    assert not re.search(r"^\s*add_header", site, re.M), "the app sends its own headers"


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed (Debian: apt-get install nginx)")
def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate to test the site with")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=campaign.example.org", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    site = NGINX.read_text(encoding="utf-8")
    site = re.sub(r"ssl_certificate (\S+);", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key (\S+);", f"ssl_certificate_key {key};", site)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path}/body;\n"
        f" proxy_temp_path {tmp_path}/proxy;\n include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                           "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- the documentation ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_every_campaign_command_in_the_docs_parses(path: Path) -> None:
    lines = campaign_lines(path.read_text(encoding="utf-8"))
    assert len(lines) >= 5, "the deployment guide shows its commands in code blocks"
    seen = {tuple(check_invocation(args, path.name)) for args in lines}
    assert {("serve",), ("run",), ("db", "upgrade"), ("users", "add")} <= seen, seen
