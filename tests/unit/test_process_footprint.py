"""What a process that imports socialdesk carries before it does anything (issue 17: serve, its Slack
listener processes and their memory): no charting library, and the triage model only where it is used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from socialdesk.triage import bundle as bundle_module
from socialdesk.triage.bundle import ModelFileError, forget_cached
from socialdesk.triage.path import Triage


def test_importing_the_app_and_the_cli_does_not_import_matplotlib() -> None:
    # A fresh interpreter: this test process may have drawn a chart already.
    code = (
        "import sys, socialdesk.app, socialdesk.cli, socialdesk.app_outbox; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_lazy_triage_reads_the_model_at_its_first_text_and_answers_as_an_eager_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forget_cached()
    loads: list[Path] = []
    real_load = bundle_module.TriageBundle.load

    def counting_load(path: Path) -> bundle_module.TriageBundle:
        loads.append(path)
        return real_load(path)

    monkeypatch.setattr(bundle_module.TriageBundle, "load", staticmethod(counting_load))
    lazy = Triage(lazy=True)
    assert loads == []
    text = "Hi, I was charged twice for my order and nobody answers, please help"
    answer = lazy.classify(text)
    assert len(loads) == 1
    assert answer == Triage().classify(text)  # the eager one shares the loaded file
    assert len(loads) == 1
    forget_cached()


def test_a_broken_model_file_fails_an_eager_triage_at_once_and_a_lazy_one_at_its_first_text(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "model.npz"
    broken.write_bytes(b"not a model")
    with pytest.raises(ModelFileError):
        Triage(model_path=broken)
    lazy = Triage(model_path=broken, lazy=True)
    with pytest.raises(ModelFileError):
        lazy.classify("my order never came")
    forget_cached()
