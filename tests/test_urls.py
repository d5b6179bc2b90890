"""Logs by URL: a real S3 API (moto's server) and an HTTP server on 127.0.0.1, fsspec's
memory file system; the same events as the local files, and one-line errors.  Nothing
here reaches the internet."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from ike_debuglog import Event, InputError, open_log, parse_file, parse_files
from ike_debuglog.cli import main
from ike_debuglog.urls import is_url

fsspec = pytest.importorskip("fsspec")
s3fs = pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")

YEAR = "2026"
BUCKET = "router-logs"
PREFIX = f"{BUCKET}/2026/11"
#: Fixture logs put in the bucket, under the names they get there (sorted as listed).
PUT = {
    "hub-a.log": FIXTURES / "ikev2" / "composed-console-quiet-sa-between-dpd-deleted-by-peer.log",
    "hub-b.log.gz": FIXTURES / "ikev1" / "cml-xe-isakmp-initiator-no-preshared-key.log",
    "spoke-c.log": FIXTURES / "asa" / "cisco-117337-asa-ikev2-peer-id-check-failed.log",
}


def dumped(events: Iterable[Event]) -> list[dict[str, Any]]:
    return [event.model_dump(mode="json") for event in events]


def _content(name: str) -> bytes:
    data = PUT[name].read_bytes()
    return gzip.compress(data) if name.endswith(".gz") else data


@dataclass
class Store:
    endpoint: str
    env: dict[str, str]
    local: Path  # the same objects as local files


def _isolated_env(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without AWS settings of the machine, plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",  # never ask 169.254.169.254 for credentials
        AWS_DEFAULT_REGION="us-east-1",
    )
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A bucket of logs on moto's S3 server on 127.0.0.1, found by AWS_ENDPOINT_URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env = _isolated_env({"AWS_ENDPOINT_URL": endpoint, **keys})
    local = tmp_path_factory.mktemp("bucket")
    with pytest.MonkeyPatch.context() as patch:
        for key in [key for key in os.environ if key.startswith("AWS_")]:
            patch.delenv(key)
        for key, value in env.items():
            if key.startswith("AWS_"):
                patch.setenv(key, value)
        s3fs.S3FileSystem.clear_instance_cache()
        store = s3fs.S3FileSystem()
        store.mkdir(BUCKET)
        for name in PUT:
            store.pipe(f"{PREFIX}/{name}", _content(name))
            (local / name).write_bytes(_content(name))
        store.pipe(f"{PREFIX}/notes.txt", b"not a log\n")
        store.pipe(f"{PREFIX}/old.log/inside.log", PUT["hub-a.log"].read_bytes())
        yield Store(endpoint, env, local)
    s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ike_debuglog.cli", *args]
    return subprocess.run(
        command, check=False, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("name", sorted(PUT))
def test_parse_file_reads_an_s3_object_as_its_local_file(s3: Store, name: str) -> None:
    url = f"s3://{PREFIX}/{name}"
    expected = dumped(parse_file(s3.local / name, year=int(YEAR)))
    assert len(expected) > 10
    assert dumped(parse_file(url, year=int(YEAR))) == expected


def test_open_log_names_the_url_and_sees_the_compression(s3: Store) -> None:
    url = f"s3://{PREFIX}/hub-b.log.gz"
    with open_log(url) as reader:
        lines = list(reader)
        assert reader.name == url
        assert reader.describe() == "gzip compressed"
    assert lines == list(open_log(s3.local / "hub-b.log.gz"))


def test_parse_files_expands_a_glob_sorted(s3: Store) -> None:
    found = list(parse_files([f"s3://{PREFIX}/*.log*"], workers=1, year=int(YEAR)))
    # The "directory" old.log/ matches the glob too, and is no file; notes.txt does not match.
    assert [url for url, _ in found] == [f"s3://{PREFIX}/{name}" for name in sorted(PUT)]
    for (_, events), name in zip(found, sorted(PUT), strict=True):
        assert dumped(events) == dumped(parse_file(s3.local / name, year=int(YEAR)))


def test_the_cli_gives_the_local_json_lines_with_the_url_as_file(s3: Store) -> None:
    names = sorted(PUT)
    files = [str(s3.local / name) for name in names]
    local = _cli(["events", *files, "--year", YEAR, "--workers", "1"], s3.env)
    remote = _cli(["events", f"s3://{PREFIX}/*.log*", "--year", YEAR, "--workers", "2"], s3.env)
    assert local.returncode == 0, local.stderr
    assert remote.returncode == 0, remote.stderr
    expected = [json.loads(line) for line in local.stdout.splitlines()]
    got = [json.loads(line) for line in remote.stdout.splitlines()]
    assert len(got) == len(expected) > 30
    urls = {str(s3.local / name): f"s3://{PREFIX}/{name}" for name in names}
    for document in expected:
        document["file"] = urls[document["file"]]
    assert got == expected
    assert [d["file"] for d in got] == sorted(d["file"] for d in got)  # files in sorted order
    assert remote.stderr.splitlines()[-1] == local.stderr.splitlines()[-1].replace(
        str(s3.local) + "/", f"s3://{PREFIX}/"
    )


def test_sessions_of_an_s3_object(s3: Store) -> None:
    url = f"s3://{PREFIX}/hub-b.log.gz"
    remote = _cli(["sessions", url, "--format", "jsonl", "--year", YEAR], s3.env)
    assert remote.returncode == 0, remote.stderr
    local = _cli(
        ["sessions", str(s3.local / "hub-b.log.gz"), "--format", "jsonl", "--year", YEAR], s3.env
    )
    assert remote.stdout == local.stdout
    assert '"outcome":"failed"' in remote.stdout


def test_a_glob_matching_one_object_serves_a_one_file_command(
    s3: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diagnose", f"s3://{PREFIX}/spoke-*.log", "--year", YEAR]) == 1
    remote = capsys.readouterr().out
    assert main(["diagnose", str(s3.local / "spoke-c.log"), "--year", YEAR]) == 1
    assert remote == capsys.readouterr().out
    assert "failed" in remote


def test_open_log_of_a_glob_of_several_says_so(s3: Store) -> None:
    with pytest.raises(InputError, match=r"\*\.log\*: matches 3 files; this reads one$"):
        open_log(f"s3://{PREFIX}/*.log*")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (f"s3://{PREFIX}/missing.log", f"s3://{PREFIX}/missing.log: no such file"),
        ("s3://no-such-bucket/a.log", "s3://no-such-bucket/a.log: no such file"),
        (f"s3://{PREFIX}/12/*.log", f"s3://{PREFIX}/12/*.log: no file matches"),
        ("zzz://host/a.log", "zzz://host/a.log: unknown protocol zzz://"),
    ],
)
def test_errors_are_one_line(
    s3: Store, target: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["events", target], ["sessions", target]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err == f"ike-debuglog: {message}\n"


def test_follow_and_serve_refuse_a_url(s3: Store, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"s3://{PREFIX}/hub-a.log"
    assert main(["events", url, "--follow"]) == 2
    assert "--follow and --serve read a local file; a URL is read once" in capsys.readouterr().err
    assert main(["metrics", url, "--serve", "0"]) == 2
    assert "a URL is read once" in capsys.readouterr().err


def _moto_auth(endpoint: str, count: str) -> None:
    """Moto's own API: enforce authentication after ``count`` requests (``inf``: never)."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def test_unknown_keys_are_access_denied(s3: Store) -> None:
    _moto_auth(s3.endpoint, "0")
    try:
        result = _cli(["events", f"s3://{PREFIX}/hub-a.log"], s3.env)
    finally:
        _moto_auth(s3.endpoint, "inf")
    assert result.returncode == 2
    assert result.stderr.startswith(f"ike-debuglog: s3://{PREFIX}/hub-a.log: access denied (")
    assert len(result.stderr.splitlines()) == 1


def test_no_credentials_is_one_line(s3: Store) -> None:
    env = _isolated_env({"AWS_ENDPOINT_URL": s3.endpoint})
    result = _cli(["events", f"s3://{PREFIX}/hub-a.log"], env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"ike-debuglog: s3://{PREFIX}/hub-a.log: no credentials (")
    assert len(result.stderr.splitlines()) == 1


#: An endpoint where nothing listens: a setting not honoured fails here, never on the internet.
DEAD = "http://127.0.0.1:9"


def test_the_endpoint_for_s3_only_is_honoured(s3: Store) -> None:
    env = {**s3.env, "AWS_ENDPOINT_URL": DEAD, "AWS_ENDPOINT_URL_S3": s3.endpoint}
    result = _cli(["events", f"s3://{PREFIX}/hub-a.log"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") > 10


def test_fsspec_options_from_the_environment(s3: Store) -> None:
    env = {
        **s3.env,
        "AWS_ENDPOINT_URL": DEAD,
        "FSSPEC_S3": json.dumps({"endpoint_url": s3.endpoint}),
    }
    result = _cli(["events", f"s3://{PREFIX}/hub-a.log", "--year", YEAR], env)
    assert result.returncode == 0, result.stderr
    local = _cli(["events", str(s3.local / "hub-a.log"), "--year", YEAR], env)
    assert result.stdout == local.stdout


def test_a_missing_s3fs_says_which_extra(s3: Store) -> None:
    code = (
        "import sys; sys.modules['s3fs'] = None\n"  # as if s3fs were not installed
        "from ike_debuglog.cli import main\n"
        f"sys.exit(main(['events', 's3://{PREFIX}/hub-a.log']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=s3.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert result.stderr == "ike-debuglog: s3:// needs s3fs: pip install 'ike-debuglog[s3]'\n"


def test_a_missing_gcsfs_says_which_extra(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        import gcsfs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("gcsfs is installed")
    assert main(["events", "gs://bucket/a.log"]) == 2
    assert capsys.readouterr().err == (
        "ike-debuglog: gs:// needs gcsfs: pip install 'ike-debuglog[gcs]'\n"
    )


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 serving a folder with two logs."""
    shutil.copy(PUT["hub-a.log"], tmp_path / "hub-a.log")
    (tmp_path / "hub-b.log.gz").write_bytes(_content("hub-b.log.gz"))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_urls(web: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("hub-a.log", "hub-b.log.gz"):
        expected = dumped(parse_file(tmp_path / name, year=int(YEAR)))
        assert dumped(parse_file(f"{web}/{name}", year=int(YEAR))) == expected
    # A query string is no glob: "?" is taken as it is.
    assert len(dumped(parse_file(f"{web}/hub-a.log?v=1", year=int(YEAR)))) > 10
    assert main(["events", f"{web}/missing.log"]) == 2
    assert capsys.readouterr().err == f"ike-debuglog: {web}/missing.log: no such file\n"


def test_memory_and_file_urls(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    memory = fsspec.filesystem("memory")
    for name in sorted(PUT):
        memory.pipe(f"/ike-test/{name}", _content(name))
        (tmp_path / name).write_bytes(_content(name))
    try:
        for name in sorted(PUT):
            expected = dumped(parse_file(tmp_path / name, year=int(YEAR)))
            assert dumped(parse_file(f"memory://ike-test/{name}", year=int(YEAR))) == expected
            assert dumped(parse_file(f"file://{tmp_path / name}", year=int(YEAR))) == expected
        # Worker processes do not share this process's memory: one worker.
        assert main(["events", "memory://ike-test/*.log*", "--workers", "1", "--year", YEAR]) == 0
        remote = capsysbinary.readouterr().out.decode().splitlines()
    finally:
        memory.rm("/ike-test", recursive=True)
    files = [str(tmp_path / name) for name in sorted(PUT)]
    assert main(["events", *files, "--workers", "1", "--year", YEAR]) == 0
    local = capsysbinary.readouterr().out.decode().splitlines()
    assert len(remote) == len(local) > 30
    for got, expected in zip(remote, local, strict=True):
        got_document, expected_document = json.loads(got), json.loads(expected)
        name = Path(expected_document.pop("file")).name
        assert got_document.pop("file") == f"memory:///ike-test/{name}"
        assert got_document == expected_document


def test_a_file_system_that_explains_itself_at_length_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    class Jvmless(fsspec.AbstractFileSystem):  # type: ignore[misc]
        protocol = "ike-test-jvm"

        def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
            raise OSError("Unable to load libjvm\n" + "dlopen(/usr/lib/jvm) failed\n" * 50)

    fsspec.register_implementation("ike-test-jvm", Jvmless, clobber=True)
    assert main(["events", "ike-test-jvm://name/a.log"]) == 2
    assert (
        capsys.readouterr().err
        == "ike-debuglog: ike-test-jvm://name/a.log: Unable to load libjvm\n"
    )


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("s3://bucket/a.log", True),
        ("https://host/a.log?v=1", True),
        ("memory://a.log", True),
        ("router.log", False),
        ("./s3/a.log", False),
        ("C://logs/a.log", False),  # a Windows drive, not a protocol
        (Path("s3://bucket/a.log"), False),  # a Path is local: it has lost a slash already
    ],
)
def test_what_is_a_url(path: str | Path, url: bool) -> None:
    assert is_url(path) is url


def test_a_local_path_never_imports_fsspec() -> None:
    code = (
        "import sys\n"
        "from ike_debuglog import parse_file\n"
        f"assert list(parse_file({str(PUT['hub-a.log'])!r}))\n"
        "print('fsspec' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.stdout == "False\n", result.stderr
