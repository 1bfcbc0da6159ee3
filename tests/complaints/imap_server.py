"""A real IMAP server for the mailbox tests: Debian's dovecot in a throwaway folder, one maildir
user, plain IMAP on a free loopback port. Started once per test session; skipped (with the reason)
where dovecot is not installed — `.ci/run` installs it (package dovecot-imapd)."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"
MAIL_USER = "vmail"


@dataclass
class ImapServer:
    host: str
    port: int
    username: str
    password: str
    folder: Path
    pid_file: Path

    def stop(self) -> None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        shutil.rmtree(self.folder, ignore_errors=True)


def available() -> str:
    """Why the server cannot start here, or "" when it can."""
    if not os.path.exists(DOVECOT):
        return "dovecot is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "starting dovecot needs root (it switches to its own users)"
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_mail_user() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(MAIL_USER)
    except KeyError:
        subprocess.run(["useradd", "-r", "-M", "-s", "/usr/sbin/nologin", MAIL_USER], check=True)  # noqa: S607
        entry = pwd.getpwnam(MAIL_USER)
    return entry.pw_uid, entry.pw_gid


def start(username: str = "complaints", password: str = "intake-secret") -> ImapServer:
    uid, gid = _ensure_mail_user()
    folder = Path(tempfile.mkdtemp(prefix="advisory-imap-", dir="/tmp"))  # noqa: S108 - outside /root (0700)
    folder.chmod(0o755)
    (folder / "run").mkdir()
    mail = folder / "mail" / username
    mail.mkdir(parents=True)
    shutil.chown(folder / "mail", uid, gid)
    shutil.chown(mail, uid, gid)
    hashed = subprocess.run(
        [DOVEADM, "pw", "-s", "SHA512-CRYPT", "-p", password], check=True, capture_output=True, text=True
    ).stdout.strip()
    (folder / "passwd").write_text(f"{username}:{hashed}:{uid}:{gid}::{mail}::\n")
    port = _free_port()
    conf = folder / "dovecot.conf"
    conf.write_text(
        f"""protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=SHA512-CRYPT {folder}/passwd
}}
userdb {{
  driver = passwd-file
  args = {folder}/passwd
}}
"""
    )
    (folder / "state").mkdir()
    # The daemon keeps inherited pipes open: give it none, or run() would wait for it forever.
    subprocess.run(
        [DOVECOT, "-c", str(conf)],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=30,
    )
    server = ImapServer("127.0.0.1", port, username, password, folder, folder / "run" / "master.pid")
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    log = (folder / "dovecot.log").read_text() if (folder / "dovecot.log").exists() else ""
    server.stop()
    raise RuntimeError(f"dovecot did not start: {log[-2000:]}")
