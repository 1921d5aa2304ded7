"""The kvpress side-by-side is optional: without its virtualenv it is skipped with a message."""

from agentmem.bench import kvpress_compare


def test_missing_kvpress_virtualenv_is_skipped_with_the_path(tmp_path, monkeypatch):
    missing = tmp_path / "no-venv"
    monkeypatch.setenv("AGENTMEM_KVPRESS_VENV", str(missing))
    said = []
    report = kvpress_compare.compare(None, log=said.append)
    assert report == {"skipped": report["skipped"]}
    assert str(missing) in report["skipped"] and "AGENTMEM_KVPRESS_VENV" in report["skipped"]
    assert said and "skipped" in said[0]


def test_a_virtualenv_without_kvpress_is_skipped_with_the_import_error(tmp_path, monkeypatch):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(
        "#!/bin/sh\necho 'ModuleNotFoundError: No module named kvpress' >&2\nexit 1\n"
    )
    python.chmod(0o755)
    monkeypatch.setenv("AGENTMEM_KVPRESS_VENV", str(venv))
    report = kvpress_compare.compare(None, log=lambda _m: None)
    assert "does not import" in report["skipped"] and "kvpress" in report["skipped"]
