"""Nothing a user sends is ever unpickled, and the server's safe defaults stay on."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Loaders that can run code hidden in a file. The one exception is the CIFAR cache reader
# (playground/data/images.py), which unpickles the dataset's own files through an allow-list.
UNSAFE = re.compile(r"\b(pickle\.loads?|torch\.load|joblib\.load|dill\.loads?|keras\.models\.load_model|"
                    r"load_model)\s*\(|allow_pickle\s*=\s*True|weights_only\s*=\s*False")


def test_no_unsafe_loader_in_the_app():
    hits = []
    for path in [*ROOT.joinpath("pages").rglob("*.py"), *ROOT.joinpath("playground").rglob("*.py"), ROOT / "app.py"]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if UNSAFE.search(line) and not line.lstrip().startswith("#"):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not hits, hits


def test_the_scan_would_catch_one():
    assert UNSAFE.search("state = torch.load(io.BytesIO(data))")
    assert UNSAFE.search("np.load(f, allow_pickle=True)")


def test_streamlit_safe_defaults():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config["server"]
    assert server["enableXsrfProtection"] is True
    assert server["maxUploadSize"] == 5
    assert server["allowedHosts"] and "*" not in server["allowedHosts"]
